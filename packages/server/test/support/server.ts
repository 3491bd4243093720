import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { resolveConfig, type Config } from '../../src/config.js';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import type { PasswordHasher } from '../../src/passwords/hasher.js';
import type { Store, UserRecord } from '../../src/store/types.js';
import { createManualClock, type ManualClock } from './clock.js';
import { fastHasher } from './hasher.js';
import { createTestStore, httpDialect } from './stores.js';
import { seedUser } from './users.js';

export const TEST_SECRET = 'test-secret-key-that-is-long-enough-0123456789';

export interface TestServer {
  app: FastifyInstance;
  store: Store;
  clock: ManualClock;
  config: Config;
  /** Creates a user with `password` and the given fields. */
  createUser(username: string, password: string, fields?: Partial<Omit<UserRecord, 'id'>>): Promise<UserRecord>;
  /** POSTs JSON to `url`. */
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Logs in and returns the pair. */
  login(username: string, password: string): Promise<{ access: string; refresh: string }>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /**
   * The app's and `createUser`'s hasher: tessera's argon2id at the smallest
   * parameters (see ./hasher.ts) unless the test is about hashing's cost.
   */
  hasher?: PasswordHasher;
  /** A store of the test's own, closed with the server; by default a fresh one of this project's dialect. */
  store?: Store;
  /** Silent by default; pino options (e.g. a `stream` to capture) otherwise. */
  logger?: AppOptions['logger'];
  /** The app's own logging, pretty or JSON as `env` and `isTTY` say, written here (`logger` is then ignored). */
  logTo?: AppOptions['logTo'];
  /** How often an idle revocation feed stream sends a heartbeat (15 s by default). */
  feedHeartbeatMs?: number;
  /** Unread bytes past which a revocation feed stream is cut (1 MiB by default). */
  feedMaxBacklogBytes?: number;
  /** Where mail is written without SMTP; a fresh temporary directory by default. */
  outboxDirectory?: string;
}

/**
 * The suites' one tessera app: on a fresh store of this project's dialect,
 * with a manual clock. Rate limits are off unless `env` sets
 * `TESSERA_RATE_LIMITS`: most suites log in far more often than a client would.
 *
 * @example
 * ```ts
 * const server = await createTestServer({ TESSERA_COOKIE_MODE: 'on' });
 * await server.createUser('alice', 'correct horse');
 * const { access } = await server.login('alice', 'correct horse');
 * await server.close();
 * ```
 */
export async function createTestServer(
  env: Record<string, string> = {},
  { hasher = fastHasher, store: given, logger = false, logTo, outboxDirectory, ...feed }: TestServerOptions = {},
): Promise<TestServer> {
  const config = resolveConfig({
    TESSERA_SECRET_KEY: TEST_SECRET,
    DATABASE_URL: 'sqlite::memory:',
    TESSERA_RATE_LIMITS: 'off',
    ...env,
  });
  const testStore =
    given === undefined ? await createTestStore(httpDialect()) : { store: given, cleanup: () => given.close() };
  const store = testStore.store;
  const clock = createManualClock(Date.now());
  const logging = logTo === undefined ? { logger } : { logTo };
  const app = await buildApp({
    config,
    secretKey: TEST_SECRET,
    store,
    clock,
    hasher,
    ...logging,
    ...feed,
    outboxDirectory: outboxDirectory ?? join(tmpdir(), `tessera-outbox-${randomBytes(6).toString('hex')}`),
  });
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: body as string, headers });
  return {
    app,
    store,
    clock,
    config,
    createUser: (username, password, fields = {}) =>
      seedUser(store, username, password, { dateJoined: clock.now(), ...fields }, hasher),
    post,
    async login(username, password) {
      const response = await post('/api/token/', { username, password });
      if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
      return response.json<{ access: string; refresh: string }>();
    },
    async close() {
      await app.close();
      await testStore.cleanup();
    },
  };
}

/** The claims of a token, without verifying it. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The header of a token, without verifying it. */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
