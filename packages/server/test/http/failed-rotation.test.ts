import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAILED_ROTATION_RETRY_SECONDS } from '../../src/auth/failed-rotations.js';
import { resolveConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import type { Store } from '../../src/store/types.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { tokenRefused } from '../support/answers.js';
import { createManualClock, type ManualClock } from '../support/clock.js';
import { TEST_SECRET } from '../support/server.js';
import { createTestStore, httpDialect, type TestStore } from '../support/stores.js';
import { seedUser } from '../support/users.js';

type Pair = { access: string; refresh: string };

/**
 * The store as a database behind a network that drops one answer: the next
 * rotation commits, and its caller is told the store is unavailable.
 */
function dropsNextRotationAnswer(store: Store): Store & { dropNext(): void } {
  let drop = false;
  return {
    ...store,
    async rotateRefreshToken(input, audit) {
      const outcome = await store.rotateRefreshToken(input, audit);
      if (!drop) return outcome;
      drop = false;
      throw new StoreUnavailableError({ cause: new Error('Query read timeout') });
    },
    dropNext: () => {
      drop = true;
    },
  };
}

describe('refresh: a rotation that committed but was answered 503', () => {
  let testStore: TestStore;
  let store: ReturnType<typeof dropsNextRotationAnswer>;
  let clock: ManualClock;
  let app: FastifyInstance;
  let login: Pair;
  const refresh = (token: string) =>
    app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh: token } });

  beforeEach(async () => {
    testStore = await createTestStore(httpDialect());
    store = dropsNextRotationAnswer(testStore.store);
    clock = createManualClock(Date.now());
    // No grace window at all: only the retry the 503 invited may be served again.
    const config = resolveConfig({
      TESSERA_SECRET_KEY: TEST_SECRET,
      TESSERA_RATE_LIMITS: 'off',
      TESSERA_REFRESH_GRACE_SECONDS: '0',
    });
    app = await buildApp({ config, secretKey: TEST_SECRET, store, clock, logger: false });
    await seedUser(testStore.store, 'alice', 'correct horse');
    const response = await app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username: 'alice', password: 'correct horse' },
    });
    login = response.json<Pair>();
  });
  afterEach(async () => {
    await app.close();
    await testStore.cleanup();
  });

  it('serves the retry after Retry-After the pair it missed, and the session goes on', async () => {
    store.dropNext();
    const failed = await refresh(login.refresh);
    expect([failed.statusCode, failed.headers['retry-after']]).toEqual([503, '2']);

    clock.advance(Number(failed.headers['retry-after']) + 1);
    const retried = await refresh(login.refresh);
    expect(retried.statusCode).toBe(200);
    const pair = retried.json<Pair>();
    // The pair the lost answer carried: its successor is live and rotates.
    expect((await refresh(pair.refresh)).statusCode).toBe(200);
    const { records } = await testStore.store.listAudit({ limit: 20, offset: 0 });
    expect(records.map((record) => record.event).filter((event) => event === 'refresh_token_reuse')).toEqual([]);
  });

  it('still takes a presentation after the retry window for reuse, and ends the session', async () => {
    store.dropNext();
    expect((await refresh(login.refresh)).statusCode).toBe(503);
    clock.advance(FAILED_ROTATION_RETRY_SECONDS);
    const late = await refresh(login.refresh);
    expect([late.statusCode, late.json()]).toEqual([401, tokenRefused('Token is blacklisted')]);
  });

  it('forgives nothing for a rotation that was answered: without grace, its token presented again is reuse', async () => {
    expect((await refresh(login.refresh)).statusCode).toBe(200);
    clock.advance(1);
    const again = await refresh(login.refresh);
    expect([again.statusCode, again.json()]).toEqual([401, tokenRefused('Token is blacklisted')]);
  });

  it('forgives only the immediate retry: once its successor rotated, the failed token is reuse', async () => {
    store.dropNext();
    expect((await refresh(login.refresh)).statusCode).toBe(503);
    const retried = (await refresh(login.refresh)).json<Pair>();
    expect((await refresh(retried.refresh)).statusCode).toBe(200);
    const stale = await refresh(login.refresh);
    expect([stale.statusCode, stale.json()]).toEqual([401, tokenRefused('Token is blacklisted')]);
  });
});
