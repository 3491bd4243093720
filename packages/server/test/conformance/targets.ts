// The two servers the table is sent to: the SimpleJWT peer, and tessera,
// built in-process and listening on a free port, over a database that
// `tessera import django` made from the peer's own (so the users, their ids
// and their Django password hashes are the peer's: the cutover a seed project
// makes). Both sign with one key, so the table can forge test tokens that
// each of them would have signed.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { resolveConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import type { Outcome } from '../cli/sandbox.js';
import { importInto, newTarget, type Target as Database } from '../django-import/targets.js';
import { createManualClock } from '../support/clock.js';
import { djangoCheckingHasher } from '../support/hasher.js';
import { startPeer, type RunningSimpleJwtPeer } from './peer.js';

/** The signing key of both servers in this run. */
export const SHARED_SECRET = randomBytes(36).toString('base64url');

export type UserName = 'alice' | 'bob' | 'carol';

/** The passwords of the peer's seed_users.py (alice Liddell, bob, and carol, inactive). */
export const USERS: Readonly<Record<UserName, { password: string }>> = {
  alice: { password: 'correct-horse-1' },
  bob: { password: 'correct-horse-2' },
  carol: { password: 'correct-horse-3' },
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

/** Both targets, and what the import of the peer's database printed. */
export interface Targets {
  tessera: Target;
  peer: Target;
  imported: Outcome;
}

/** Starts the peer, then tessera over an import of the peer's database; stops what started if the rest fails. */
export async function startTargets(): Promise<Targets> {
  const peer = await startPeer(SHARED_SECRET);
  try {
    const database = await newTarget('sqlite');
    const imported = await importInto(database, `sqlite:${peer.databasePath}`, []);
    if (imported.code !== 0) {
      database.cleanup();
      throw new Error(`tessera import django failed (${imported.code}):\n${imported.stderr}${imported.stdout}`);
    }
    return { tessera: await startTesseraTarget(database), peer: peerTarget(peer), imported };
  } catch (error) {
    await peer.stop();
    throw error;
  }
}

/**
 * tessera as the peer is configured, over `database`: no rate limits (the
 * peer has no throttling), default lifetimes and grace window, a clock the
 * table moves instead of sleeping. Django's hashes are checked at their cost,
 * without the floor that makes every login as slow as one (the timing suites
 * test it): the peer's users log in as fast as before they were imported.
 */
async function startTesseraTarget(database: Database): Promise<Target> {
  const config = resolveConfig({
    TESSERA_SECRET_KEY: SHARED_SECRET,
    DATABASE_URL: database.databaseUrl,
    TESSERA_RATE_LIMITS: 'off',
  });
  const store = await database.open();
  const clock = createManualClock(Date.now());
  const app: FastifyInstance = await buildApp({
    config,
    secretKey: SHARED_SECRET,
    store,
    clock,
    hasher: djangoCheckingHasher,
    logger: false,
  });
  app.addHook('onClose', async () => {
    await store.close();
    database.cleanup();
  });
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
function peerTarget(peer: RunningSimpleJwtPeer): Target {
  return {
    name: 'simplejwt',
    baseUrl: peer.baseUrl,
    pairs: new Map(),
    loginsAhead: [],
    passTime: () => undefined,
    stop: () => peer.stop(),
  };
}
