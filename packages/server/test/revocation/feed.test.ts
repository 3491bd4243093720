import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announceRevocations, createRevocationFeed } from '../../src/revocation/feed.js';
import type { RevocationEvent, Store } from '../../src/store/types.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { availableDialects, createTestStore } from '../support/stores.js';
import { seedUser } from '../support/users.js';

const T0 = 1_800_000_000_000;
const hex = (n: number) => n.toString(16).padStart(32, '0');

for (const dialect of availableDialects()) {
  describe(`revocation log and feed: ${dialect}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await createTestStore(dialect));
    });
    afterEach(() => cleanup());

    const startSession = (userId: number, n: number) =>
      store.startSession({
        sessionId: hex(n),
        userId,
        now: T0,
        ip: '',
        userAgent: '',
        token: { jti: hex(1000 + n), issuedAt: T0, expiresAt: T0 + 1000 },
      });

    it('logs every change to a standing, in order, in the same transaction', async () => {
      const alice = await seedUser(store, 'alice', 'pw');
      await startSession(alice.id, 1);
      const before = await store.latestRevocationId();
      await store.revokeSession(hex(1), T0, 'logout');
      await store.revokeSession(hex(1), T0, 'logout');
      await store.revokeUserSessions(alice.id, T0, 'revoke_all');
      await store.setPassword(alice.id, 'x', T0);
      await store.setActive(alice.id, false, T0);
      await store.setActive(alice.id, true, T0);
      await store.deleteUser(alice.id, T0 + 1);
      const events = await store.readRevocations(before, 100);
      expect(events.map(({ at }) => at)).toEqual([...Array.from({ length: 5 }, () => T0), T0 + 1]);
      expect(events.map(({ kind, target }) => `${kind}:${target}`)).toEqual([
        `session:${hex(1)}`,
        ...Array.from({ length: 5 }, () => `user:${alice.id}`),
      ]);
      expect(await store.latestRevocationId()).toBe(events[events.length - 1]!.id);
      expect(await store.readRevocations(events[2]!.id, 2)).toEqual(events.slice(3, 5));
    });

    it('feeds only what is logged after it starts', async () => {
      const alice = await seedUser(store, 'alice', 'pw');
      await store.revokeUserSessions(alice.id, T0, 'revoke_all');
      const seen: Array<Pick<RevocationEvent, 'kind' | 'target'>> = [];
      const feed = createRevocationFeed({
        store,
        onEvent: (event) => seen.push({ kind: event.kind, target: event.target }),
        pollIntervalMs: 60_000,
        warn: () => undefined,
      });
      await feed.start();
      await startSession(alice.id, 2);
      await store.revokeSession(hex(2), T0, 'logout');
      await feed.poll();
      await feed.poll();
      await feed.stop();
      expect(seen).toEqual([{ kind: 'session', target: hex(2) }]);
    });

    it('starts while the store cannot be read, and follows the log from the first read that works, asking for a resync', async () => {
      const alice = await seedUser(store, 'alice', 'pw');
      await store.revokeUserSessions(alice.id, T0, 'revoke_all');
      let reachable = false;
      const unreachable = () => Promise.reject(new StoreUnavailableError({ cause: new Error('ECONNREFUSED') }));
      const flaky: Pick<Store, 'readRevocations' | 'latestRevocationId'> = {
        latestRevocationId: () => (reachable ? store.latestRevocationId() : unreachable()),
        readRevocations: (after, limit) => (reachable ? store.readRevocations(after, limit) : unreachable()),
      };
      const seen: string[] = [];
      let resyncs = 0;
      const feed = createRevocationFeed({
        store: flaky,
        onEvent: (event) => seen.push(`${event.kind}:${event.target}`),
        pollIntervalMs: 60_000,
        warn: () => undefined,
        onResync: () => resyncs++,
      });
      await feed.start();
      await feed.poll();
      expect([seen, resyncs]).toEqual([[], 0]);
      reachable = true;
      await feed.poll();
      await startSession(alice.id, 4);
      await store.revokeSession(hex(4), T0, 'logout');
      await feed.poll();
      await feed.stop();
      // What was logged before the first good read is covered by the resync, not replayed.
      expect([seen, resyncs]).toEqual([[`session:${hex(4)}`], 1]);
    });

    it('announces each revocation after it commits', async () => {
      const alice = await seedUser(store, 'alice', 'pw');
      await startSession(alice.id, 3);
      const announced: string[] = [];
      const announcing = announceRevocations(store, ({ kind, target }) => announced.push(`${kind}:${target}`));
      await announcing.revokeSession(hex(3), T0, 'logout');
      await announcing.setActive(alice.id, false, T0);
      expect(announced).toEqual([`session:${hex(3)}`, `user:${alice.id}`]);
      expect((await store.findSession(hex(3)))?.revokedAt).toBe(T0);
    });
  });
}
