import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFeedTail, type FeedSubscriber, type FeedTail } from '../../src/revocation/feed-tail.js';
import { hashServiceSecret } from '../../src/revocation/service-credentials.js';
import type { Store } from '../../src/store/types.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { within } from '../support/eventually.js';
import { availableDialects, createTestStore } from '../support/stores.js';
import { seedUser } from '../support/users.js';

const T0 = 1_800_000_000_000;
const REPORTS = { name: 'reports', secretHash: hashServiceSecret('tsvc_reports') };

/** A stream as the tail sees it, keeping the ids it was given. */
function subscriber(service = REPORTS) {
  const ids: number[] = [];
  let ended = false;
  const it: FeedSubscriber & { ids: number[]; readonly ended: boolean } = {
    service,
    deliver: (events) => ids.push(...events.map((event) => event.id)),
    end: () => (ended = true),
    ids,
    get ended() {
      return ended;
    },
  };
  return it;
}

for (const dialect of availableDialects()) {
  describe(`the revocation feed's tail: ${dialect}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let reads: number;
    let reachable: boolean;
    let tail: FeedTail;
    let userId: number;
    /** The tail's clock: credentials are read again once a second of it has passed. */
    let nowMs: number;
    beforeEach(async () => {
      nowMs = T0;
      ({ store, cleanup } = await createTestStore(dialect));
      reads = 0;
      reachable = true;
      const unreachable = () => Promise.reject(new StoreUnavailableError({ cause: new Error('ECONNREFUSED') }));
      tail = createFeedTail({
        // The real store, counted, and cut off while `reachable` is false.
        store: {
          readRevocations: (after, limit) => {
            reads++;
            return reachable ? store.readRevocations(after, limit) : unreachable();
          },
          listServices: () => (reachable ? store.listServices() : unreachable()),
        },
        // Long: only wake-ups read, so each test says when.
        pollIntervalMs: 60_000,
        warn: () => undefined,
        now: () => nowMs,
      });
      await store.createService(REPORTS.name, REPORTS.secretHash, T0);
      userId = (await seedUser(store, 'alice', 'pw')).id;
    });
    afterEach(async () => {
      tail.close();
      await cleanup();
    });

    /** Appends `count` entries to the log; returns their ids. */
    const revoke = async (count: number) => {
      const before = await store.latestRevocationId();
      for (let i = 0; i < count; i++) await store.revokeUserSessions(userId, T0, 'admin');
      return (await store.readRevocations(before, 1000)).map((event) => event.id);
    };

    it('reads nothing while no stream is open, however often it is woken', async () => {
      await revoke(2);
      for (let i = 0; i < 5; i++) tail.wake();
      await new Promise((resolve) => setImmediate(resolve));
      expect(reads).toBe(0);
      const leave = tail.join(subscriber(), await store.latestRevocationId());
      leave();
      reads = 0;
      tail.wake();
      await new Promise((resolve) => setImmediate(resolve));
      expect([reads, tail.size]).toEqual([0, 0]);
    });

    it('hands each stream what it has not seen, in order, once: a stream behind the tail is caught up first', async () => {
      const [first, second] = await revoke(2);
      const ahead = subscriber();
      tail.join(ahead, second!);
      const ids = await revoke(2);
      tail.wake();
      await within(2000, () => Promise.resolve(ahead.ids.length === 2));
      // Joins behind the tail, which has read past it.
      const behind = subscriber();
      tail.join(behind, first! - 1);
      const more = await revoke(1);
      tail.wake();
      await within(2000, () => Promise.resolve(behind.ids.length === 5 && ahead.ids.length === 3));
      expect(ahead.ids).toEqual([...ids, ...more]);
      expect(behind.ids).toEqual([first, second, ...ids, ...more]);
    });

    it('while the store cannot be read, keeps its streams and catches them up once it can', async () => {
      const start = await store.latestRevocationId();
      const stream = subscriber();
      tail.join(stream, start);
      reachable = false;
      const ids = await revoke(3);
      tail.wake();
      await within(2000, () => Promise.resolve(reads > 0));
      expect([stream.ids, stream.ended, tail.size]).toEqual([[], false, 1]);
      reachable = true;
      tail.wake();
      await within(2000, () => Promise.resolve(stream.ids.length === 3));
      expect(stream.ids).toEqual(ids);
    });

    it("ends the streams of a revoked service, or of one created again with a new secret, and no other's", async () => {
      await store.createService('billing', hashServiceSecret('tsvc_billing'), T0);
      const reports = subscriber();
      const billing = subscriber({ name: 'billing', secretHash: hashServiceSecret('tsvc_billing') });
      const start = await store.latestRevocationId();
      tail.join(reports, start);
      tail.join(billing, start);
      await store.revokeService('reports', T0 + 1);
      tail.wake();
      await within(2000, () => Promise.resolve(reads > 0));
      expect(reports.ended).toBe(false);
      nowMs += 1000;
      tail.wake();
      await within(2000, () => Promise.resolve(reports.ended));
      expect([billing.ended, tail.size]).toEqual([false, 1]);
      await store.revokeService('billing', T0 + 2);
      await store.createService('billing', hashServiceSecret('tsvc_new'), T0 + 3);
      nowMs += 1000;
      tail.wake();
      await within(2000, () => Promise.resolve(billing.ended));
      expect(tail.size).toBe(0);
    });

    it('on close, ends every stream, reads nothing after, and ends a stream that joins later at once', async () => {
      const stream = subscriber();
      tail.join(stream, await store.latestRevocationId());
      tail.close();
      reads = 0;
      await revoke(1);
      tail.wake();
      await new Promise((resolve) => setImmediate(resolve));
      expect([stream.ended, tail.size, reads]).toEqual([true, 0, 0]);
      const late = subscriber();
      tail.join(late, await store.latestRevocationId());
      expect([late.ended, tail.size]).toEqual([true, 0]);
    });
  });
}
