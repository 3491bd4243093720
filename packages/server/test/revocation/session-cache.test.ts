import { describe, expect, it } from 'vitest';
import { createSessionCache } from '../../src/revocation/session-cache.js';
import type { SessionState } from '../../src/store/types.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { createManualClock } from '../support/clock.js';

const state = (sessionId: string, userId: number): SessionState => ({
  sessionId,
  userId,
  revokedAt: null,
  revokeReason: null,
  user: undefined,
});

/** A store whose reads are counted, and can be held open to race an invalidation. */
function countingStore() {
  const reads: string[] = [];
  let hold: Promise<void> | undefined;
  return {
    reads,
    holdNextRead(until: Promise<void>) {
      hold = until;
    },
    async findSession(sessionId: string) {
      reads.push(sessionId);
      const waiting = hold;
      hold = undefined;
      if (waiting !== undefined) await waiting;
      return sessionId.startsWith('u1') ? state(sessionId, 1) : state(sessionId, 2);
    },
  };
}

describe('createSessionCache', () => {
  it('reads a session once, then serves it from memory', async () => {
    const store = countingStore();
    const cache = createSessionCache(store, { clock: createManualClock() });
    const first = cache.find('u1-a');
    expect(first).toBeInstanceOf(Promise);
    await first;
    // From memory, synchronously: the protected GET's hot path allocates no promise.
    expect(cache.find('u1-a')).toEqual(state('u1-a', 1));
    expect(store.reads).toEqual(['u1-a']);
    expect(cache.size).toBe(1);
  });

  it('drops a session on its event, and every session of a user on theirs', async () => {
    const store = countingStore();
    const cache = createSessionCache(store, { clock: createManualClock() });
    for (const id of ['u1-a', 'u1-b', 'u2-a']) await cache.find(id);
    cache.invalidate({ kind: 'session', target: 'u2-a' });
    expect(cache.size).toBe(2);
    cache.invalidate({ kind: 'user', target: '1' });
    expect(cache.size).toBe(0);
    await cache.find('u1-a');
    expect(store.reads).toEqual(['u1-a', 'u1-b', 'u2-a', 'u1-a']);
  });

  it('does not keep a read that an invalidation overtook', async () => {
    const store = countingStore();
    const cache = createSessionCache(store, { clock: createManualClock() });
    let release = () => {};
    store.holdNextRead(new Promise<void>((resolve) => (release = resolve)));
    const pending = cache.find('u1-a');
    cache.invalidate({ kind: 'user', target: '1' });
    release();
    expect((await pending)?.sessionId).toBe('u1-a');
    expect(cache.size).toBe(0);
  });

  it('reads again after the maximum age', async () => {
    const store = countingStore();
    const clock = createManualClock();
    const cache = createSessionCache(store, { clock, maxAgeMs: 1000 });
    await cache.find('u1-a');
    clock.advance(0.999);
    await cache.find('u1-a');
    clock.advance(0.001);
    await cache.find('u1-a');
    expect(store.reads).toEqual(['u1-a', 'u1-a']);
  });

  it('evicts the oldest entry past the bound', async () => {
    const store = countingStore();
    const cache = createSessionCache(store, { clock: createManualClock(), maxEntries: 2 });
    for (const id of ['u1-a', 'u1-b', 'u1-c']) await cache.find(id);
    expect(cache.size).toBe(2);
    await cache.find('u1-a');
    expect(store.reads).toEqual(['u1-a', 'u1-b', 'u1-c', 'u1-a']);
  });

  it('serves a known session as last read while the store cannot be read, and asks again after a second', async () => {
    const clock = createManualClock();
    let down = false;
    const reads: string[] = [];
    const store = {
      findSession(sessionId: string) {
        reads.push(sessionId);
        if (down) return Promise.reject(new StoreUnavailableError({ cause: new Error('ECONNREFUSED') }));
        return Promise.resolve(state(sessionId, 1));
      },
    };
    const cache = createSessionCache(store, { clock, maxAgeMs: 30_000 });
    await cache.find('known');
    down = true;
    clock.advance(31);
    expect(await cache.find('known')).toEqual(state('known', 1));
    // Within the second after a failed read, from memory without asking.
    expect(cache.find('known')).toEqual(state('known', 1));
    expect(reads).toEqual(['known', 'known']);
    // A session never read cannot be vouched for.
    await expect(cache.find('unknown')).rejects.toBeInstanceOf(StoreUnavailableError);
    clock.advance(1);
    down = false;
    expect(await cache.find('known')).toEqual(state('known', 1));
    expect(reads).toEqual(['known', 'known', 'unknown', 'known']);
    expect(cache.find('known')).toEqual(state('known', 1));
  });

  it('forgets a session the store no longer has', async () => {
    const clock = createManualClock();
    let gone = false;
    const store = { findSession: (id: string) => Promise.resolve(gone ? undefined : state(id, 1)) };
    const cache = createSessionCache(store, { clock, maxAgeMs: 30_000 });
    await cache.find('s');
    gone = true;
    clock.advance(31);
    expect(await cache.find('s')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
