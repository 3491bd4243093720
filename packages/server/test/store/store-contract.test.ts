import { describe, expect, it } from 'vitest';
import {
  DuplicateUsernameError,
  type AuditEntry,
  type AuditEvent,
  type NewUser,
  type Store,
  type UserRecord,
} from '../../src/store/types.js';
import { pruneStore } from '../../src/store/prune.js';
import { availableDialects, freshStoresEachTest } from '../support/stores.js';

const T0 = 1_800_000_000_000;
const hex = (n: number) => n.toString(16).padStart(32, '0');
const newUser = (username: string, overrides: Partial<NewUser> = {}): NewUser => ({
  username,
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
  email: `${username}@example.com`,
  firstName: 'First',
  lastName: 'Last',
  isActive: true,
  isStaff: false,
  isSuperuser: false,
  dateJoined: T0,
  role: 'viewer',
  permissions: ['app.view'],
  ...overrides,
});

/** A user as sessions and refresh tokens carry one. */
const withoutHash = ({ passwordHash: _hash, ...user }: UserRecord): Omit<UserRecord, 'passwordHash'> => user;

for (const dialect of availableDialects()) {
  describe(`store contract: ${dialect}`, () => {
    let store: Store;
    let other: Store;
    freshStoresEachTest(dialect, (opened, another) => ([store, other] = [opened, another]));

    const login = async (userId: number, session: number, token: number, expiresAt = T0 + 86_400_000) => {
      await store.startSession({
        sessionId: hex(session),
        userId,
        now: T0,
        ip: '127.0.0.1',
        userAgent: 'test',
        token: { jti: hex(token), issuedAt: T0, expiresAt },
      });
    };

    it('creates users with every field and finds them by id and username', async () => {
      const created = await store.createUser(newUser('alice', { isStaff: true }));
      expect(created).toEqual({
        id: created.id,
        username: 'alice',
        passwordHash: newUser('alice').passwordHash,
        email: 'alice@example.com',
        firstName: 'First',
        lastName: 'Last',
        isActive: true,
        isStaff: true,
        isSuperuser: false,
        lastLogin: null,
        dateJoined: T0,
        role: 'viewer',
        permissions: ['app.view'],
        emailVerified: false,
        pendingEmail: '',
      });
      expect(await store.findUserById(created.id)).toEqual(created);
      expect((await store.createUser(newUser('bob', { emailVerified: true }))).emailVerified).toBe(true);
      expect(await other.findUserByUsername('alice')).toEqual(created);
      expect(await store.findUserByUsername('ALICE')).toBeUndefined();
      expect(await store.findUserById(999)).toBeUndefined();
    });

    it('refuses a taken username with DuplicateUsernameError', async () => {
      await store.createUser(newUser('alice'));
      await expect(other.createUser(newUser('alice'))).rejects.toBeInstanceOf(DuplicateUsernameError);
      expect(await store.listUsers()).toHaveLength(1);
    });

    it('records a login: session, first token and last_login', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10);
      expect((await store.findUserById(user.id))?.lastLogin).toBe(T0);
      expect(await other.findRefreshToken(hex(10))).toEqual({
        jti: hex(10),
        sessionId: hex(1),
        userId: user.id,
        usedAt: null,
        sessionCreatedAt: T0,
        sessionRevokedAt: null,
        sessionRevokeReason: null,
        sessionDpopJkt: null,
        user: { ...withoutHash(user), lastLogin: T0 },
      });
      expect(await store.findSession(hex(1))).toMatchObject({ sessionId: hex(1), userId: user.id, revokedAt: null });
    });

    it('rewrites the password hash with a login only while it is still the hash that was verified', async () => {
      const django = 'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3';
      const user = await store.createUser(newUser('alice', { passwordHash: django }));
      const session = (n: number, from: string) => ({
        sessionId: hex(n),
        userId: user.id,
        now: T0,
        ip: '127.0.0.1',
        userAgent: 'test',
        token: { jti: hex(n + 100), issuedAt: T0, expiresAt: T0 + 1000 },
        passwordUpgrade: { from, to: `$argon2id$upgraded-${n}` },
      });
      await store.startSession(session(1, django));
      expect((await other.findUserById(user.id))?.passwordHash).toBe('$argon2id$upgraded-1');
      // A second login that read the Django hash before the first rewrote it: the newer hash stays.
      await store.startSession(session(2, django));
      expect((await other.findUserById(user.id))?.passwordHash).toBe('$argon2id$upgraded-1');
      expect(await store.listSessions(user.id)).toHaveLength(2);
    });

    it('reads a session and a refresh token with their user, but never the password hash', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10);
      const session = await other.findSession(hex(1));
      const token = await other.findRefreshToken(hex(10));
      expect(session?.user).toEqual({ ...withoutHash(user), lastLogin: T0 });
      expect(token?.user).toEqual({ ...withoutHash(user), lastLogin: T0 });
      expect(JSON.stringify([session, token])).not.toContain('argon2id');
    });

    it('rotates a token exactly once across concurrent calls from two handles', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10);
      const outcomes = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 === 0 ? store : other).rotateRefreshToken({
            jti: hex(10),
            successor: { jti: hex(100 + i), issuedAt: T0 + 1000, expiresAt: T0 + 90_000_000 },
            now: T0 + 1000,
          }),
        ),
      );
      expect(outcomes.filter((o) => o.kind === 'rotated')).toHaveLength(1);
      // The losers learn when the winner rotated: the grace window is counted from there.
      expect(outcomes.filter((o) => o.kind === 'already_used')).toEqual(
        Array.from({ length: 15 }, () => ({ kind: 'already_used', usedAt: T0 + 1000 })),
      );
      expect((await store.findRefreshToken(hex(10)))?.usedAt).toBe(T0 + 1000);
    });

    it('rotates tokens presented at once in one go, each with its own successor and audit entry', async () => {
      const user = await store.createUser(newUser('alice'));
      for (let i = 0; i < 8; i++) await login(user.id, 1 + i, 10 + i);
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.rotateRefreshToken(
            { jti: hex(10 + i), successor: { jti: hex(100 + i), issuedAt: T0, expiresAt: T0 + 1 }, now: T0 + i },
            {
              at: T0 + i,
              event: 'refresh',
              userId: user.id,
              username: 'alice',
              sessionId: hex(1 + i),
              ip: '',
              userAgent: '',
              details: {},
            },
          ),
        ),
      );
      expect(outcomes).toEqual(Array.from({ length: 8 }, () => ({ kind: 'rotated' })));
      for (let i = 0; i < 8; i++) {
        expect(await other.findRefreshToken(hex(10 + i))).toMatchObject({ usedAt: T0 + i, sessionId: hex(1 + i) });
        expect(await other.findRefreshToken(hex(100 + i))).toMatchObject({ usedAt: null, sessionId: hex(1 + i) });
      }
      const audit = await store.listAudit({ event: 'refresh', offset: 0, limit: 20 });
      expect(audit.records.map((r) => r.sessionId).sort()).toEqual(Array.from({ length: 8 }, (_, i) => hex(1 + i)));
    });

    it('fails only the rotation that fails among those presented at once, and keeps its token unused', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10);
      await login(user.id, 2, 20);
      await login(user.id, 3, 30);
      const rotate = (jti: number, successor: number) =>
        store.rotateRefreshToken({
          jti: hex(jti),
          successor: { jti: hex(successor), issuedAt: T0, expiresAt: T0 + 1 },
          now: T0 + 9,
        });
      // The middle one's successor id is taken: its insert violates the primary key.
      const [first, middle, last] = await Promise.allSettled([rotate(10, 11), rotate(20, 30), rotate(30, 31)]);
      expect(first).toEqual({ status: 'fulfilled', value: { kind: 'rotated' } });
      expect(middle.status).toBe('rejected');
      expect(last).toEqual({ status: 'fulfilled', value: { kind: 'rotated' } });
      expect((await other.findRefreshToken(hex(20)))?.usedAt).toBeNull();
      expect((await other.findRefreshToken(hex(30)))?.usedAt).toBe(T0 + 9);
      expect((await other.findRefreshToken(hex(11)))?.usedAt).toBeNull();
    });

    it('refuses rotation of a token whose session is revoked, and of an unknown token', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10);
      await other.revokeSession(hex(1), T0 + 5, 'logout');
      const successor = { jti: hex(11), issuedAt: T0, expiresAt: T0 + 1 };
      expect(await store.rotateRefreshToken({ jti: hex(10), successor, now: T0 + 6 })).toEqual({
        kind: 'session_revoked',
      });
      expect(await store.rotateRefreshToken({ jti: hex(99), successor, now: T0 + 6 })).toEqual({ kind: 'unknown' });
      expect(await store.findRefreshToken(hex(11))).toBeUndefined();
    });

    it('writes an audit entry with the change it records, and only when the change happens', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10);
      const entry = (event: AuditEvent, at = T0 + 1): AuditEntry => ({
        at,
        event,
        userId: user.id,
        username: 'alice',
        sessionId: hex(1),
        ip: '10.0.0.1',
        userAgent: 'test',
        details: { n: 1, ok: true, via: 'test' },
      });
      const successor = { jti: hex(11), issuedAt: T0, expiresAt: T0 + 90_000_000 };
      expect(await store.rotateRefreshToken({ jti: hex(10), successor, now: T0 + 1 }, entry('refresh'))).toEqual({
        kind: 'rotated',
      });
      const again = await other.rotateRefreshToken({ jti: hex(10), successor, now: T0 + 2 }, entry('refresh'));
      expect(again.kind).toBe('already_used');
      await other.revokeSession(hex(1), T0 + 3, 'logout', entry('logout', T0 + 3));
      const { count, records } = await store.listAudit({ offset: 0, limit: 10 });
      expect(count).toBe(2);
      expect(records).toEqual([
        { id: expect.any(Number) as number, ...entry('logout', T0 + 3) },
        { id: expect.any(Number) as number, ...entry('refresh') },
      ]);
      expect((await store.listAudit({ event: 'logout', offset: 0, limit: 10 })).count).toBe(1);
      expect((await store.listAudit({ user: { id: undefined, username: 'bob' }, offset: 0, limit: 10 })).count).toBe(0);
      expect((await store.listAudit({ since: T0 + 2, offset: 0, limit: 10 })).records.map((r) => r.event)).toEqual([
        'logout',
      ]);
    });

    it('keeps the first revocation time and reason', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10);
      await store.revokeSession(hex(1), T0 + 5, 'logout');
      await store.revokeSession(hex(1), T0 + 9, 'admin');
      expect(await store.findSession(hex(1))).toMatchObject({ revokedAt: T0 + 5, revokeReason: 'logout' });
    });

    it('revokes every live session of one user only, counting them', async () => {
      const alice = await store.createUser(newUser('alice'));
      const bob = await store.createUser(newUser('bob'));
      await login(alice.id, 1, 10);
      await login(alice.id, 2, 20);
      await login(bob.id, 3, 30);
      await store.revokeSession(hex(2), T0, 'logout');
      expect(await other.revokeUserSessions(alice.id, T0 + 1, 'revoke_all')).toBe(1);
      expect((await store.findSession(hex(1)))?.revokeReason).toBe('revoke_all');
      expect((await store.findSession(hex(3)))?.revokedAt).toBeNull();
    });

    it('keeps the one session named when revoking the others', async () => {
      const alice = await store.createUser(newUser('alice'));
      await login(alice.id, 1, 10);
      await login(alice.id, 2, 20);
      await login(alice.id, 3, 30);
      expect(await other.revokeUserSessions(alice.id, T0 + 1, 'revoke_others', hex(2))).toBe(2);
      expect((await store.listSessions(alice.id)).map((s) => s.id)).toEqual([hex(2)]);
      await store.setPassword(alice.id, 'new-hash', T0 + 2, hex(2));
      expect(await store.findSession(hex(2))).toMatchObject({ revokedAt: null });
      expect((await store.findSession(hex(1)))?.revokeReason).toBe('revoke_others');
    });

    it('updates only the profile fields given, and logs the change for other instances', async () => {
      const alice = await store.createUser(newUser('alice'));
      const before = await store.latestRevocationId();
      const updated = await other.updateProfile(alice.id, { firstName: 'Alice', email: 'a@example.com' }, T0 + 1);
      expect(updated).toMatchObject({
        firstName: 'Alice',
        lastName: 'Last',
        email: 'a@example.com',
        username: 'alice',
      });
      expect(await store.findUserById(alice.id)).toEqual(updated);
      expect(await store.readRevocations(before, 10)).toEqual([
        { id: expect.any(Number) as number, kind: 'user', target: String(alice.id), at: T0 + 1 },
      ]);
      expect(await store.updateProfile(alice.id, {}, T0 + 2)).toEqual(updated);
      expect(await store.readRevocations(before, 10)).toHaveLength(1);
      expect(await store.updateProfile(9999, { firstName: 'X' }, T0 + 3)).toBeUndefined();
    });

    it('revokes sessions on password change, deactivation and deletion', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10);
      await store.setPassword(user.id, 'new-hash', T0 + 1);
      expect((await store.findUserById(user.id))?.passwordHash).toBe('new-hash');
      expect((await store.findSession(hex(1)))?.revokeReason).toBe('password_changed');

      await login(user.id, 2, 20);
      await store.setActive(user.id, false, T0 + 2);
      expect((await store.findUserById(user.id))?.isActive).toBe(false);
      expect((await store.findSession(hex(2)))?.revokeReason).toBe('deactivated');
      await store.setActive(user.id, true, T0 + 3);
      expect((await store.findUserById(user.id))?.isActive).toBe(true);

      await login(user.id, 3, 30);
      await store.deleteUser(user.id, T0 + 4);
      expect(await store.findUserById(user.id)).toBeUndefined();
      expect(await store.findSession(hex(3))).toMatchObject({ revokeReason: 'user_deleted', user: undefined });
    });

    it('deletes expired tokens and the sessions left with none', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10, T0 + 1000);
      await login(user.id, 2, 20, T0 + 5000);
      expect(await store.deleteExpired(T0 + 1000)).toEqual({ tokens: 1, sessions: 1 });
      expect(await store.findSession(hex(1))).toBeUndefined();
      expect(await store.findRefreshToken(hex(20))).toBeDefined();
      expect(await store.deleteExpired(T0 + 1000)).toEqual({ tokens: 0, sessions: 0 });
    });

    it('deletes a backlog larger than one batch, batch by batch', async () => {
      const user = await store.createUser(newUser('alice'));
      await login(user.id, 1, 10, T0 + 1000);
      for (let i = 0; i < 7; i++) {
        const successor = { jti: hex(11 + i), issuedAt: T0, expiresAt: i < 6 ? T0 + 1000 : T0 + 9000 };
        expect(await store.rotateRefreshToken({ jti: hex(10 + i), successor, now: T0 })).toEqual({ kind: 'rotated' });
      }
      expect(await store.deleteExpired(T0 + 1000, 3)).toEqual({ tokens: 7, sessions: 0 });
      expect(await store.findRefreshToken(hex(17))).toBeDefined();
    });

    it('deletes audit entries older than a time, batch by batch, and keeps the rest', async () => {
      const entry = (at: number): AuditEntry => ({
        at,
        event: 'login_failure',
        userId: null,
        username: 'nobody',
        sessionId: null,
        ip: '127.0.0.1',
        userAgent: 'test',
        details: {},
      });
      for (let i = 0; i < 7; i++) await store.appendAudit(entry(T0 + i));
      await store.appendAudit(entry(T0 + 100));
      expect(await store.deleteAuditBefore(T0 + 7, 3)).toBe(7);
      expect((await store.listAudit({ offset: 0, limit: 10 })).records.map((r) => r.at)).toEqual([T0 + 100]);
      expect(await store.deleteAuditBefore(T0 + 7)).toBe(0);
    });

    it('prunes audit entries past the retention with the expired tokens, or keeps them with retention 0', async () => {
      const day = 86_400_000;
      const base = { event: 'logout', userId: null, username: '', sessionId: null, ip: '', userAgent: '' } as const;
      await store.appendAudit({ ...base, at: T0 - 366 * day, details: {} });
      await store.appendAudit({ ...base, at: T0 - 364 * day, details: {} });
      expect(await pruneStore(store, { auditRetentionDays: 0 }, T0)).toEqual({
        tokens: 0,
        sessions: 0,
        auditEntries: 0,
      });
      expect(await pruneStore(store, { auditRetentionDays: 365 }, T0)).toEqual({
        tokens: 0,
        sessions: 0,
        auditEntries: 1,
      });
      expect((await store.listAudit({ offset: 0, limit: 10 })).records.map((r) => r.at)).toEqual([T0 - 364 * day]);
    });

    it('tells whether a user has a session started from an address', async () => {
      const alice = await store.createUser(newUser('alice'));
      const bob = await store.createUser(newUser('bob'));
      await login(alice.id, 1, 10);
      await store.revokeSession(hex(1), T0, 'logout');
      expect(await store.hasSessionFrom(alice.id, '127.0.0.1')).toBe(true);
      expect(await store.hasSessionFrom(alice.id, '127.0.0.2')).toBe(false);
      expect(await store.hasSessionFrom(bob.id, '127.0.0.1')).toBe(false);
    });

    it('tells whether any password hash is not argon2id, an unusable one aside', async () => {
      expect(await store.hasLegacyPasswordHashes()).toBe(false);
      await store.createUser(newUser('alice'));
      await store.createUser(newUser('bob', { passwordHash: '!unusable' }));
      expect(await store.hasLegacyPasswordHashes()).toBe(false);
      const carol = await store.createUser(
        newUser('carol', { passwordHash: 'md5$salt$0123456789abcdef0123456789abcdef' }),
      );
      expect(await store.hasLegacyPasswordHashes()).toBe(true);
      await store.setPassword(carol.id, newUser('carol').passwordHash, T0);
      expect(await store.hasLegacyPasswordHashes()).toBe(false);
    });

    it("lists a user's sessions newest first, live only unless asked", async () => {
      const alice = await store.createUser(newUser('alice'));
      const bob = await store.createUser(newUser('bob'));
      await login(alice.id, 1, 10);
      await store.startSession({
        sessionId: hex(2),
        userId: alice.id,
        now: T0 + 5,
        ip: '10.0.0.2',
        userAgent: 'Firefox',
        token: { jti: hex(20), issuedAt: T0 + 5, expiresAt: T0 + 86_400_000 },
      });
      await login(bob.id, 3, 30);
      await store.revokeSession(hex(1), T0 + 9, 'logout');
      expect(await other.listSessions(alice.id)).toEqual([
        {
          id: hex(2),
          createdAt: T0 + 5,
          lastUsedAt: T0 + 5,
          ip: '10.0.0.2',
          userAgent: 'Firefox',
          revokedAt: null,
          revokeReason: null,
          dpopJkt: null,
        },
      ]);
      expect((await store.listSessions(alice.id, { includeRevoked: true })).map((s) => [s.id, s.revokeReason])).toEqual(
        [
          [hex(2), null],
          [hex(1), 'logout'],
        ],
      );
    });
  });
}
