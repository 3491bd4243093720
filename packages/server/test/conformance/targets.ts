// The two servers the table is sent to: tessera, built in-process and
// listening on a free port, and the SimpleJWT peer. Both sign with one key, so
// the table can forge test tokens that each of them would have signed.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { resolveConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createManualClock } from '../support/clock.js';
import { seedUser } from '../support/users.js';
import { startPeer, type RunningPeer } from './peer.js';

/** The signing key of both servers in this run. */
export const SHARED_SECRET = randomBytes(36).toString('base64url');

export type UserName = 'alice' | 'bob' | 'carol';

/** The peer's seed_users.py, created in tessera with the same fields. */
export const USERS: Readonly<
  Record<UserName, { password: string; firstName: string; lastName: string; isActive: boolean }>
> = {
  alice: { password: 'correct-horse-1', firstName: 'Alice', lastName: 'Liddell', isActive: true },
  bob: { password: 'correct-horse-2', firstName: 'Bob', lastName: '', isActive: true },
  carol: { password: 'correct-horse-3', firstName: 'Carol', lastName: '', isActive: false },
};

export interface TokenPair {
  access: string;
  refresh: string;
}

/** One server under test, and what stateful rows leave for later rows. */
export interface Target {
  readonly name: 'tessera' | 'simplejwt';
  readonly baseUrl: string;
  /** Token pairs kept by earlier rows, by the name the row gives them. */
  readonly pairs: Map<string, TokenPair>;
  /** alice's sessions logged in ahead, for the rows that need a new one. */
  readonly loginsAhead: Promise<TokenPair>[];
  /**
   * Lets `seconds` pass for the server: tessera's clock moves; the peer has
   * no clock to move and needs none (SimpleJWT has no grace window, and its
   * tokens live for minutes).
   */
  passTime(seconds: number): void;
  stop(): Promise<void>;
}

/**
 * tessera as the peer is configured: seed users, no rate limits (the peer
 * has no throttling), default lifetimes and grace window, a clock the table
 * moves instead of sleeping.
 */
export async function startTesseraTarget(): Promise<Target> {
  const config = resolveConfig({
    TESSERA_SECRET_KEY: SHARED_SECRET,
    DATABASE_URL: 'sqlite::memory:',
    TESSERA_RATE_LIMITS: 'off',
  });
  const store = await openSqliteStore({ path: ':memory:' });
  const clock = createManualClock(Date.now());
  const app: FastifyInstance = await buildApp({ config, secretKey: SHARED_SECRET, store, clock, logger: false });
  app.addHook('onClose', () => store.close());
  for (const [username, user] of Object.entries(USERS)) {
    const { password, ...fields } = user;
    await seedUser(store, username, password, { ...fields, email: `${username}@example.com` });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return {
    name: 'tessera',
    baseUrl: `http://127.0.0.1:${port}`,
    pairs: new Map(),
    loginsAhead: [],
    passTime: (seconds) => clock.advance(seconds),
    stop: () => app.close(),
  };
}

/** The SimpleJWT peer, signing with {@link SHARED_SECRET}. */
export async function startPeerTarget(): Promise<Target> {
  const peer: RunningPeer = await startPeer(SHARED_SECRET);
  return {
    name: 'simplejwt',
    baseUrl: peer.baseUrl,
    pairs: new Map(),
    loginsAhead: [],
    passTime: () => undefined,
    stop: () => peer.stop(),
  };
}
