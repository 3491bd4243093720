import { describe, expect, it } from 'vitest';
import { DuplicateServiceError, type Store } from '../../src/store/types.js';
import { availableDialects, freshStoresEachTest } from '../support/stores.js';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const hash = (digit: string) => digit.repeat(64);

for (const dialect of availableDialects()) {
  describe(`store contract, services and the revocation log's bounds: ${dialect}`, () => {
    let store: Store;
    let other: Store;
    freshStoresEachTest(dialect, (opened, another) => ([store, other] = [opened, another]));

    it('creates a service, finds it by name, and lists every service by name', async () => {
      expect(await store.createService('reports', hash('a'), T0)).toEqual({
        name: 'reports',
        secretHash: hash('a'),
        createdAt: T0,
        revokedAt: null,
      });
      await store.createService('billing', hash('b'), T0 + 1);
      expect(await other.findService('reports')).toEqual({
        name: 'reports',
        secretHash: hash('a'),
        createdAt: T0,
        revokedAt: null,
      });
      expect(await store.findService('nobody')).toBeUndefined();
      expect((await store.listServices()).map((service) => service.name)).toEqual(['billing', 'reports']);
    });

    it('refuses a second live service of one name with DuplicateServiceError, and keeps the first', async () => {
      await store.createService('reports', hash('a'), T0);
      await expect(other.createService('reports', hash('b'), T0 + 1)).rejects.toThrow(DuplicateServiceError);
      expect((await store.findService('reports'))?.secretHash).toBe(hash('a'));
    });

    it('revokes a live service once, keeps it listed, and lets its name be created again', async () => {
      await store.createService('reports', hash('a'), T0);
      expect(await other.revokeService('reports', T0 + 5)).toBe(true);
      expect(await store.revokeService('reports', T0 + 6)).toBe(false);
      expect(await store.revokeService('nobody', T0 + 6)).toBe(false);
      expect(await store.listServices()).toEqual([
        { name: 'reports', secretHash: hash('a'), createdAt: T0, revokedAt: T0 + 5 },
      ]);
      expect(await store.createService('reports', hash('c'), T0 + 7)).toEqual({
        name: 'reports',
        secretHash: hash('c'),
        createdAt: T0 + 7,
        revokedAt: null,
      });
      expect(await store.listServices()).toHaveLength(1);
    });

    /** Appends one `session` entry to the log at `at`, through a logout. */
    const logOut = async (session: number, at: number) => {
      const sessionId = session.toString(16).padStart(32, '0');
      const user =
        (await store.findUserByUsername('alice')) ??
        (await store.createUser({
          username: 'alice',
          passwordHash: '!',
          email: '',
          firstName: '',
          lastName: '',
          isActive: true,
          isStaff: false,
          isSuperuser: false,
          dateJoined: T0,
          role: 'viewer',
          permissions: [],
        }));
      await store.startSession({
        sessionId,
        userId: user.id,
        now: at,
        ip: '127.0.0.1',
        userAgent: 'test',
        token: { jti: sessionId, issuedAt: at, expiresAt: at + 10 * HOUR },
      });
      await store.revokeSession(sessionId, at, 'logout');
    };

    it('starts with nothing pruned and the newest entry as the bound', async () => {
      expect(await store.revocationLogBounds()).toEqual({ prunedThrough: 0, latest: 0 });
      await logOut(1, T0);
      await logOut(2, T0);
      const latest = await store.latestRevocationId();
      expect(latest).toBeGreaterThan(0);
      expect(await other.revocationLogBounds()).toEqual({ prunedThrough: 0, latest });
    });

    it('records the highest id pruned with the pruning, and keeps it when the log is emptied', async () => {
      await logOut(1, T0);
      await logOut(2, T0 + 1000);
      const [first, second] = await store.readRevocations(0, 10);
      await logOut(3, T0 + HOUR);
      const third = (await store.readRevocations(second!.id, 10))[0]!;
      // An hour after the first two: they go, the third stays.
      await store.deleteExpired(T0 + HOUR + 1000);
      expect(await store.readRevocations(0, 10)).toEqual([third]);
      expect(await other.revocationLogBounds()).toEqual({ prunedThrough: second!.id, latest: third.id });
      expect(first!.id).toBeLessThan(second!.id);
      // Everything pruned: the bound stays where the log was.
      await store.deleteExpired(T0 + 3 * HOUR);
      expect(await store.readRevocations(0, 10)).toEqual([]);
      expect(await store.revocationLogBounds()).toEqual({ prunedThrough: third.id, latest: third.id });
      // A prune with nothing to delete leaves the watermark alone.
      await other.deleteExpired(T0 + 3 * HOUR);
      expect(await store.revocationLogBounds()).toEqual({ prunedThrough: third.id, latest: third.id });
    });

    it('finds the cursor just before a time: where a verifier starting then begins', async () => {
      expect(await store.revocationCursorAt(T0)).toBe(0);
      await logOut(1, T0);
      await logOut(2, T0 + 1000);
      const [first, second] = await store.readRevocations(0, 10);
      expect(await other.revocationCursorAt(T0)).toBe(0);
      expect(await other.revocationCursorAt(T0 + 1)).toBe(first!.id);
      expect(await other.revocationCursorAt(T0 + 1000)).toBe(first!.id);
      expect(await other.revocationCursorAt(T0 + 1001)).toBe(second!.id);
      // Every entry left more recent than the time: the watermark, so that nothing pruned is claimed.
      await logOut(3, T0 + HOUR);
      await store.deleteExpired(T0 + HOUR + 1000);
      expect(await store.revocationCursorAt(T0 + HOUR)).toBe(second!.id);
    });
  });
}
