import { describe, expect, it } from 'vitest';
import { LastSuperuserError, type Store, type UserRecord } from '../../src/store/types.js';
import { seedUser } from '../support/users.js';
import { availableDialects, freshStoresEachTest } from '../support/stores.js';

const T0 = 1_800_000_000_000;
const hex = (n: number) => n.toString(16).padStart(32, '0');
/** A user by the suites' one seeding helper: an active viewer unless `fields` say otherwise. */
const newUser = (store: Store, username: string, fields: Partial<Omit<UserRecord, 'id'>> = {}) =>
  seedUser(store, username, 'pw', { dateJoined: T0, ...fields });

for (const dialect of availableDialects()) {
  describe(`store contract, user administration: ${dialect}`, () => {
    let store: Store;
    let other: Store;
    freshStoresEachTest(dialect, (opened, another) => ([store, other] = [opened, another]));

    const login = (userId: number, session: number) =>
      store.startSession({
        sessionId: hex(session),
        userId,
        now: T0,
        ip: '127.0.0.1',
        userAgent: 'test',
        token: { jti: hex(session + 1000), issuedAt: T0, expiresAt: T0 + 86_400_000 },
      });
    const liveSessions = async (userId: number) => (await store.listSessions(userId)).map((s) => s.id);
    const logSince = async (cursor: number) =>
      (await store.readRevocations(cursor, 100)).map((e) => [e.kind, e.target]);

    it('updates only the fields given; a profile change keeps the sessions and logs the user for other instances', async () => {
      const alice = await newUser(store, 'alice');
      await login(alice.id, 1);
      const cursor = await store.latestRevocationId();
      const updated = await store.updateUser(alice.id, { firstName: 'Alice', email: 'a@example.org' }, T0 + 1);
      expect(updated).toEqual({ ...alice, lastLogin: T0, firstName: 'Alice', email: 'a@example.org' });
      expect(await liveSessions(alice.id)).toEqual([hex(1)]);
      expect(await logSince(cursor)).toEqual([['user', String(alice.id)]]);
      expect(await store.updateUser(99_999, { firstName: 'x' }, T0)).toBeUndefined();
    });

    it.each([
      ['deactivation', { isActive: false }, 'deactivated'],
      ['a new role', { role: 'editor' }, 'admin'],
      ['new permissions', { permissions: ['notes.edit'] }, 'admin'],
      ['staff status', { isStaff: true }, 'admin'],
    ] as const)('ends every session on %s, with the reason, in the log', async (_name, changes, reason) => {
      const alice = await newUser(store, 'alice');
      await login(alice.id, 1);
      const cursor = await store.latestRevocationId();
      await store.updateUser(alice.id, changes, T0 + 1);
      expect(await liveSessions(alice.id)).toEqual([]);
      expect((await other.findSession(hex(1)))?.revokeReason).toBe(reason);
      expect(await logSince(cursor)).toEqual([
        ['session', hex(1)],
        ['user', String(alice.id)],
      ]);
    });

    it('keeps the sessions when a right is set to what it already is', async () => {
      const alice = await newUser(store, 'alice', { permissions: ['a'] });
      await login(alice.id, 1);
      await store.updateUser(alice.id, { permissions: ['a'], role: 'viewer', isStaff: false }, T0 + 1);
      expect(await liveSessions(alice.id)).toEqual([hex(1)]);
    });

    it('refuses to deactivate, demote or delete the last active superuser, and changes nothing', async () => {
      const root = await newUser(store, 'root', { isStaff: true, isSuperuser: true });
      await newUser(store, 'former', { isSuperuser: true, isActive: false });
      await login(root.id, 1);
      await expect(store.updateUser(root.id, { isActive: false }, T0)).rejects.toThrow(LastSuperuserError);
      await expect(store.updateUser(root.id, { isSuperuser: false, firstName: 'x' }, T0)).rejects.toThrow(
        LastSuperuserError,
      );
      await expect(store.deleteUser(root.id, T0)).rejects.toThrow(LastSuperuserError);
      expect(await store.findUserById(root.id)).toEqual({ ...root, lastLogin: T0 });
      expect(await liveSessions(root.id)).toEqual([hex(1)]);
      // Reactivating another lets the first go.
      const former = await store.findUserByUsername('former');
      await store.updateUser(former!.id, { isActive: true }, T0);
      expect(await store.deleteUser(root.id, T0)).toBe(true);
    });

    it('lets exactly one of two concurrent demotions of the last two superusers through', async () => {
      const a = await newUser(store, 'a', { isSuperuser: true });
      const b = await newUser(store, 'b', { isSuperuser: true });
      const outcomes = await Promise.allSettled([
        store.updateUser(a.id, { isSuperuser: false }, T0),
        other.updateUser(b.id, { isSuperuser: false }, T0),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const left = [await store.findUserById(a.id), await store.findUserById(b.id)].filter((u) => u?.isSuperuser);
      expect(left).toHaveLength(1);
    });

    it('deletes a user with its audit entry, and says false for no such user', async () => {
      const alice = await newUser(store, 'alice');
      const audit = {
        at: T0,
        event: 'user_deleted' as const,
        userId: alice.id,
        username: 'alice',
        sessionId: null,
        ip: '',
        userAgent: 'test',
        details: { by: 'root' },
      };
      expect(await store.deleteUser(alice.id, T0, audit)).toBe(true);
      expect(await store.deleteUser(alice.id, T0, audit)).toBe(false);
      const { records } = await store.listAudit({ event: 'user_deleted', offset: 0, limit: 10 });
      expect(records.map((r) => [r.userId, r.details])).toEqual([[alice.id, { by: 'root' }]]);
    });

    it('searches, filters and pages users by id in both directions', async () => {
      for (let n = 0; n < 7; n += 1) {
        await newUser(store, `user${n}`, {
          isStaff: n % 3 === 0,
          role: n % 2 === 0 ? 'even' : 'odd',
          lastName: n === 5 ? 'Ünïcode' : '',
        });
      }
      await newUser(store, '100%_real', { isActive: false });
      const names = (users: { username: string }[]) => users.map((u) => u.username);
      const first = await store.searchUsers({ search: 'USER', limit: 3 });
      expect([first.count, first.countExact, names(first.users), first.more]).toEqual([
        7,
        true,
        ['user0', 'user1', 'user2'],
        true,
      ]);
      const next = await store.searchUsers({ search: 'user', limit: 3, after: first.users[2]!.id });
      expect([names(next.users), next.more]).toEqual([['user3', 'user4', 'user5'], true]);
      const back = await store.searchUsers({ search: 'user', limit: 2, before: next.users[0]!.id });
      expect([names(back.users), back.more]).toEqual([['user1', 'user2'], true]);
      expect(names((await store.searchUsers({ isStaff: true, role: 'even', limit: 10 })).users)).toEqual([
        'user0',
        'user6',
      ]);
      expect(names((await store.searchUsers({ search: '%_', limit: 10 })).users)).toEqual(['100%_real']);
      expect(names((await store.searchUsers({ search: '_', limit: 10 })).users)).toEqual(['100%_real']);
      expect(names((await store.searchUsers({ isActive: false, limit: 10 })).users)).toEqual(['100%_real']);
      expect((await store.searchUsers({ isSuperuser: true, limit: 10 })).count).toBe(0);
      // Counted up to the limit, so a count never reads past it.
      const capped = await store.searchUsers({ search: 'user', limit: 2, countLimit: 5 });
      expect([capped.count, capped.countExact, names(capped.users)]).toEqual([5, false, ['user0', 'user1']]);
      const exact = await store.searchUsers({ search: 'user', limit: 2, countLimit: 7 });
      expect([exact.count, exact.countExact]).toEqual([7, true]);
    });
  });
}
