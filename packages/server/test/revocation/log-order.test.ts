// A reader that follows the revocation log by id (the feed's tail, a
// polling service, each instance's cache) must see every entry: an entry
// may not become visible after one with a higher id was read.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { availableDialects, freshStoresEachTest } from '../support/stores.js';
import { seedUser } from '../support/users.js';

const T0 = 1_800_000_000_000;
// Far more at once than the pools have connections: most wait for one, and the order lock.
const WRITES = 200;

for (const dialect of availableDialects()) {
  describe(`the revocation log read by id: ${dialect}`, () => {
    let store: Store;
    let other: Store;
    freshStoresEachTest(dialect, (opened, another) => ([store, other] = [opened, another]));

    it(`a reader following the ids misses none of ${WRITES} concurrent revocations from two handles`, async () => {
      const users = await Promise.all(['a', 'b', 'c', 'd'].map((name) => seedUser(store, name, 'pw')));
      const start = await store.latestRevocationId();
      let done = false;
      const seen: number[] = [];
      const follow = (async () => {
        let cursor = start;
        for (;;) {
          const finished = done;
          const events = await store.readRevocations(cursor, 1000);
          for (const event of events) seen.push(event.id);
          cursor = events.at(-1)?.id ?? cursor;
          if (finished && events.length === 0) return;
        }
      })();
      await Promise.all(
        Array.from({ length: WRITES }, (_, i) =>
          (i % 2 === 0 ? store : other).revokeUserSessions(users[i % 4]!.id, T0 + i, 'admin'),
        ),
      );
      done = true;
      await follow;
      const written = (await store.readRevocations(start, 10 * WRITES)).map((event) => event.id);
      expect(written).toHaveLength(WRITES);
      expect(seen).toEqual(written);
    });
  });
}
