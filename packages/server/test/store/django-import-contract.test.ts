import { describe, expect, it } from 'vitest';
import { ImportCollisionError, type Store, type UserRecord } from '../../src/store/types.js';
import { availableDialects, freshStoresEachTest } from '../support/stores.js';
import { seedUser, viewerFields } from '../support/users.js';

const T0 = 1_800_000_000_000;
const MD5 = 'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3';

const djangoUser = (id: number, username: string, fields: Partial<UserRecord> = {}): UserRecord => ({
  id,
  lastLogin: null,
  emailVerified: false,
  pendingEmail: '',
  ...viewerFields(username, { passwordHash: MD5, dateJoined: T0 - 1000, permissions: ['notes.view_note'], ...fields }),
});

const startSession = (store: Store, userId: number, sessionId: string) =>
  store.startSession({
    sessionId,
    userId,
    now: T0,
    ip: '127.0.0.1',
    userAgent: 'test',
    token: { jti: sessionId.replace(/.$/, 'j'), issuedAt: T0, expiresAt: T0 + 86_400_000 },
  });

for (const dialect of availableDialects()) {
  describe(`store contract, importing Django's users: ${dialect}`, () => {
    let store: Store;
    let other: Store;
    freshStoresEachTest(dialect, (opened, another) => ([store, other] = [opened, another]));

    it('inserts users with their own ids, and the next user tessera creates follows them', async () => {
      const { users: outcomes } = await store.importDjango(
        { users: [djangoUser(3, 'ann'), djangoUser(40, 'bo')] },
        T0,
        { dryRun: false },
      );
      expect(outcomes).toEqual([
        { id: 3, username: 'ann', kind: 'imported', passwordKept: false, djangoPasswordChanged: false },
        { id: 40, username: 'bo', kind: 'imported', passwordKept: false, djangoPasswordChanged: false },
      ]);
      expect(await other.findUserById(40)).toEqual(djangoUser(40, 'bo'));
      expect((await seedUser(other, 'native', 'correct horse')).id).toBe(41);
    });

    it('updates a changed user, logging it for instances, and ends sessions when Django deactivated them', async () => {
      await store.importDjango({ users: [djangoUser(3, 'ann'), djangoUser(4, 'cy')] }, T0, { dryRun: false });
      await startSession(store, 3, 'a'.repeat(32));
      await startSession(store, 4, 'c'.repeat(32));
      const latest = await store.latestRevocationId();
      const users = [djangoUser(3, 'ann', { email: 'ann@new.example' }), djangoUser(4, 'cy', { isActive: false })];
      expect((await other.importDjango({ users }, T0 + 1, { dryRun: false })).users.map((o) => o.kind)).toEqual([
        'updated',
        'updated',
      ]);
      expect((await store.findUserById(3))?.email).toBe('ann@new.example');
      expect(await store.listSessions(3)).toHaveLength(1);
      expect(await store.listSessions(4)).toEqual([]);
      expect((await store.readRevocations(latest, 10)).map(({ kind, target }) => [kind, target])).toEqual([
        ['user', '3'],
        ['session', 'c'.repeat(32)],
        ['user', '4'],
      ]);
    });

    it('keeps a password changed in tessera since the last import, and takes one changed only in Django', async () => {
      await store.importDjango({ users: [djangoUser(3, 'ann'), djangoUser(4, 'cy')] }, T0, { dryRun: false });
      await store.setPassword(3, '$argon2id$changed-in-tessera', T0 + 1);
      const newDjango = 'sha1$salt$0000000000000000000000000000000000000000';
      const users = [
        djangoUser(3, 'ann', { passwordHash: newDjango }),
        djangoUser(4, 'cy', { passwordHash: newDjango }),
      ];
      expect((await store.importDjango({ users }, T0 + 2, { dryRun: false })).users).toEqual([
        { id: 3, username: 'ann', kind: 'unchanged', passwordKept: true, djangoPasswordChanged: true },
        { id: 4, username: 'cy', kind: 'updated', passwordKept: false, djangoPasswordChanged: true },
      ]);
      expect((await store.findUserById(3))?.passwordHash).toBe('$argon2id$changed-in-tessera');
      expect((await store.findUserById(4))?.passwordHash).toBe(newDjango);
      // Django's newer hash is what the next import compares with: unchanged again.
      expect((await store.importDjango({ users }, T0 + 3, { dryRun: false })).users.map((o) => o.kind)).toEqual([
        'unchanged',
        'unchanged',
      ]);
    });

    it('refuses the whole import on an id or a username of a user no import brought, writing nothing', async () => {
      await seedUser(store, 'native', 'correct horse'); // id 1
      const users = [djangoUser(7, 'ann'), djangoUser(1, 'someone'), djangoUser(9, 'native')];
      const refused = store.importDjango({ users }, T0, { dryRun: false });
      await expect(refused).rejects.toThrow(ImportCollisionError);
      await expect(refused).rejects.toMatchObject({
        collisions: [
          'id 1 is tessera\'s "native", which no import brought',
          'username "native" is tessera user 1, Django\'s 9',
        ],
      });
      expect((await store.listUsers()).map((u) => u.username)).toEqual(['native']);
    });

    it('rolls a dry run back, saying what it would do', async () => {
      const audit = () => ({
        at: T0,
        event: 'users_imported' as const,
        userId: null,
        username: '',
        sessionId: null,
        ip: '',
        userAgent: 'tessera-cli',
        details: {},
      });
      expect(
        (await store.importDjango({ users: [djangoUser(3, 'ann')] }, T0, { dryRun: true }, audit)).users.map(
          (o) => o.kind,
        ),
      ).toEqual(['imported']);
      expect(await store.listUsers()).toEqual([]);
      expect((await store.listAudit({ offset: 0, limit: 10 })).count).toBe(0);
      expect((await seedUser(store, 'native', 'correct horse')).id).toBe(1);
    });

    it('keeps SimpleJWT blacklist entries by jti, adds each once, and prunes them once expired', async () => {
      const blacklist = [
        { jti: 'a'.repeat(32), expiresAt: T0 + 1000 },
        { jti: 'b'.repeat(32), expiresAt: T0 + 5000 },
      ];
      expect((await store.importDjango({ users: [], blacklist }, T0, { dryRun: false })).blacklistAdded).toBe(2);
      expect((await other.importDjango({ users: [], blacklist }, T0, { dryRun: false })).blacklistAdded).toBe(0);
      expect(await other.isSimplejwtBlacklisted('a'.repeat(32))).toBe(true);
      expect(await store.isSimplejwtBlacklisted('c'.repeat(32))).toBe(false);
      await store.deleteExpired(T0 + 1000);
      expect(await store.isSimplejwtBlacklisted('a'.repeat(32))).toBe(false);
      expect(await store.isSimplejwtBlacklisted('b'.repeat(32))).toBe(true);
    });

    it('adopts a legacy refresh token once: a second adoption of its jti writes nothing', async () => {
      await store.importDjango({ users: [djangoUser(3, 'ann')] }, T0, { dryRun: false });
      const input = (sessionId: string) => ({
        sessionId,
        userId: 3,
        now: T0,
        ip: '127.0.0.1',
        userAgent: 'test',
        token: { jti: 'f'.repeat(32), issuedAt: T0 - 1000, expiresAt: T0 + 86_400_000 },
      });
      const [first, second] = await Promise.all([
        store.adoptLegacyRefreshToken(input('1'.repeat(32))),
        other.adoptLegacyRefreshToken(input('2'.repeat(32))),
      ]);
      expect([first, second].sort()).toEqual([false, true]);
      expect(await store.listSessions(3)).toHaveLength(1);
      expect(await store.findRefreshToken('f'.repeat(32))).toMatchObject({ userId: 3, usedAt: null });
    });

    it('finds a DRF key’s owner by its digest, adds each key once, and revokes them all', async () => {
      const drfTokens = [
        { keyHash: 'a'.repeat(64), userId: 3, createdAt: T0 },
        { keyHash: 'b'.repeat(64), userId: 4, createdAt: T0 },
      ];
      const users = [djangoUser(3, 'ann'), djangoUser(4, 'cy')];
      expect((await store.importDjango({ users, drfTokens }, T0, { dryRun: false })).drfTokensAdded).toBe(2);
      expect((await other.importDjango({ users, drfTokens }, T0, { dryRun: false })).drfTokensAdded).toBe(0);
      expect(await other.findDrfTokenUser('a'.repeat(64))).toMatchObject({ id: 3, username: 'ann', isActive: true });
      expect(await store.findDrfTokenUser('c'.repeat(64))).toBeUndefined();
      await store.deleteUser(4, T0);
      expect(await store.findDrfTokenUser('b'.repeat(64))).toBeUndefined();
      expect(await other.revokeDrfTokens()).toBe(2);
      expect(await store.findDrfTokenUser('a'.repeat(64))).toBeUndefined();
    });
  });
}
