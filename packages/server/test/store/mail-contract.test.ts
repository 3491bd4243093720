import { describe, expect, it } from 'vitest';
import type { NewMail, Store, UserRecord } from '../../src/store/types.js';
import { availableDialects, freshStoresEachTest } from '../support/stores.js';
import { seedUser } from '../support/users.js';

const T0 = 1_800_000_000_000;
const LEASE = 60_000;
const hash = (digit: string) => digit.repeat(64);
const mail = (recipient: string, createdAt = T0): NewMail => ({
  kind: 'password_reset',
  recipient,
  payload: { ip: '192.0.2.1', userAgent: 'test' },
  createdAt,
});

for (const dialect of availableDialects()) {
  describe(`store contract, the mail outbox and password resets: ${dialect}`, () => {
    let store: Store;
    let other: Store;
    freshStoresEachTest(dialect, (opened, another) => ([store, other] = [opened, another]));

    it('claims a due message once across instances, counts the attempt, and hides it until the lease lapses', async () => {
      await store.enqueueMail(mail('a@example.com'));
      const [first, second] = await Promise.all([store.claimDueMail(T0, LEASE, 10), other.claimDueMail(T0, LEASE, 10)]);
      expect([...first, ...second]).toEqual([
        {
          id: 1,
          kind: 'password_reset',
          recipient: 'a@example.com',
          payload: { ip: '192.0.2.1', userAgent: 'test' },
          createdAt: T0,
          status: 'pending',
          attempts: 1,
          nextAttemptAt: T0 + LEASE,
          lastError: null,
          sentAt: null,
        },
      ]);
      expect(await store.claimDueMail(T0 + LEASE - 1, LEASE, 10)).toEqual([]);
      // The instance that claimed it died: another takes it once the lease lapses.
      expect((await other.claimDueMail(T0 + LEASE, LEASE, 10)).map((m) => m.attempts)).toEqual([2]);
    });

    it('claims nothing before it is due, and oldest first up to the limit', async () => {
      await store.enqueueMail(mail('later@example.com', T0 + 10));
      await store.enqueueMail(mail('a@example.com', T0));
      await store.enqueueMail(mail('b@example.com', T0 + 1));
      expect(await store.claimDueMail(T0 - 1, LEASE, 10)).toEqual([]);
      expect((await store.claimDueMail(T0 + 5, LEASE, 1)).map((m) => m.recipient)).toEqual(['a@example.com']);
      expect((await store.claimDueMail(T0 + 20, LEASE, 10)).map((m) => m.recipient)).toEqual([
        'b@example.com',
        'later@example.com',
      ]);
    });

    it('keeps a failed attempt pending until its retry, then failed for good; lists and requeues by status', async () => {
      await store.enqueueMail(mail('a@example.com'));
      await store.enqueueMail(mail('b@example.com'));
      const [a, b] = await store.claimDueMail(T0, LEASE, 10);
      await store.retryMail(a!.id, 'connect ECONNREFUSED 127.0.0.1:25', T0 + 15_000, false);
      await store.retryMail(b!.id, 'x'.repeat(600), T0 + 15_000, true);
      expect(await store.claimDueMail(T0 + 14_999, LEASE, 10)).toEqual([]);
      expect(await other.listMail(['pending'], 10)).toMatchObject([
        { recipient: 'a@example.com', status: 'pending', lastError: 'connect ECONNREFUSED 127.0.0.1:25' },
      ]);
      const [failed] = await other.listMail(['failed'], 10);
      expect([failed?.recipient, failed?.lastError?.length]).toEqual(['b@example.com', 512]);
      expect(await store.requeueFailedMail(T0 + 20_000)).toBe(1);
      expect((await store.claimDueMail(T0 + 20_000, LEASE, 10)).map((m) => [m.recipient, m.attempts])).toEqual([
        ['a@example.com', 2],
        ['b@example.com', 1],
      ]);
    });

    it('finishes a message as sent or dropped, and never claims it again', async () => {
      await store.enqueueMail(mail('a@example.com'));
      await store.enqueueMail(mail('nobody@example.com'));
      const [a, nobody] = await store.claimDueMail(T0, LEASE, 10);
      await store.finishMail(a!.id, 'sent', T0 + 5);
      await store.finishMail(nobody!.id, 'dropped', T0 + 5);
      expect(await store.claimDueMail(T0 + 10 * LEASE, LEASE, 10)).toEqual([]);
      expect((await store.listMail(['sent', 'dropped'], 10)).map((m) => [m.status, m.sentAt])).toEqual([
        ['sent', T0 + 5],
        ['dropped', null],
      ]);
      expect(await store.listMail([], 10)).toEqual([]);
    });

    it('prunes mail sent or dropped over a week ago and tokens past expiry, and keeps pending and failed mail', async () => {
      const WEEK = 7 * 86_400_000;
      for (const recipient of ['sent@example.com', 'pending@example.com', 'failed@example.com']) {
        await store.enqueueMail(mail(recipient));
      }
      const [sent, , failed] = await store.claimDueMail(T0, LEASE, 10);
      await store.finishMail(sent!.id, 'sent', T0);
      await store.retryMail(failed!.id, 'refused', T0, true);
      const alice = await seedUser(store, 'alice', 'pw');
      await store.issuePasswordReset({
        tokenHash: hash('1'),
        userId: alice.id,
        binding: hash('b'),
        createdAt: T0,
        expiresAt: T0 + 5,
      });
      await store.issueEmailVerification({
        tokenHash: hash('2'),
        userId: alice.id,
        email: 'a@example.com',
        createdAt: T0,
        expiresAt: T0 + WEEK * 2,
      });
      await other.deleteExpired(T0 + WEEK + 1);
      expect((await store.listMail(['sent', 'pending', 'failed'], 10)).map((m) => m.recipient)).toEqual([
        'pending@example.com',
        'failed@example.com',
      ]);
      expect(await store.findPasswordReset(hash('1'))).toBeUndefined();
      expect(await store.findEmailVerification(hash('2'))).toBeDefined();
    });

    it('finds active users by address, case-insensitively', async () => {
      const alice = await seedUser(store, 'alice', 'pw', { email: 'Alice@Example.com' });
      await seedUser(store, 'alice2', 'pw', { email: 'alice@example.COM' });
      await seedUser(store, 'gone', 'pw', { email: 'alice@example.com', isActive: false });
      await seedUser(store, 'bob', 'pw', { email: 'bob@example.com' });
      expect((await other.findActiveUsersByEmail('ALICE@example.com')).map((u) => u.username)).toEqual([
        'alice',
        'alice2',
      ]);
      expect((await store.findActiveUsersByEmail('alice@example.com'))[0]?.id).toBe(alice.id);
      expect(await store.findActiveUsersByEmail('nobody@example.com')).toEqual([]);
    });

    describe('e-mail verifications', () => {
      const issue = (userId: number, email: string, tokenHash: string) =>
        store.issueEmailVerification({ tokenHash, userId, email, createdAt: T0, expiresAt: T0 + 1000 });

      it('finds users awaiting verification of an address: unverified, or pending, case-insensitively', async () => {
        await seedUser(store, 'unverified', 'pw', { email: 'A@example.com' });
        await seedUser(store, 'verified', 'pw', { email: 'a@example.com', emailVerified: true });
        const moving = await seedUser(store, 'moving', 'pw', { email: 'old@example.com', emailVerified: true });
        await store.updateProfile(moving.id, { pendingEmail: 'a@EXAMPLE.com' }, T0);
        expect((await other.findUsersAwaitingVerification('a@example.com')).map((u) => u.username)).toEqual([
          'unverified',
          'moving',
        ]);
      });

      it('verifies once: a pending address becomes the email, verified; a changed address refuses', async () => {
        const alice = await seedUser(store, 'alice', 'pw', { email: 'old@example.com', emailVerified: true });
        await store.updateProfile(alice.id, { pendingEmail: 'new@example.com' }, T0);
        await issue(alice.id, 'new@example.com', hash('1'));
        await issue(alice.id, 'new@example.com', hash('2'));
        const results = await Promise.all([
          store.completeEmailVerification(hash('1'), T0 + 1),
          other.completeEmailVerification(hash('1'), T0 + 1),
        ]);
        expect(results.sort()).toEqual([alice.id, undefined]);
        expect(await store.findUserById(alice.id)).toMatchObject({
          email: 'new@example.com',
          emailVerified: true,
          pendingEmail: '',
        });
        expect(await store.findEmailVerification(hash('1'))).toMatchObject({
          usedAt: T0 + 1,
          email: 'new@example.com',
        });
        // The address is verified now: the second token finds no address awaiting it, and stays unused.
        await store.updateProfile(alice.id, { pendingEmail: 'other@example.com' }, T0 + 2);
        expect(await store.completeEmailVerification(hash('2'), T0 + 3)).toBeUndefined();
        expect((await store.findEmailVerification(hash('2')))?.usedAt).toBeNull();
      });

      it('marks an address verified by hand, and says when there is no such user', async () => {
        const alice = await seedUser(store, 'alice', 'pw');
        expect(await store.setEmailVerified(alice.id, true, T0)).toBe(true);
        expect((await other.findUserById(alice.id))?.emailVerified).toBe(true);
        expect(await store.setEmailVerified(999, true, T0)).toBe(false);
      });
    });

    describe('password resets', () => {
      let alice: UserRecord;
      const issue = (tokenHash: string, createdAt = T0) =>
        store.issuePasswordReset({
          tokenHash,
          userId: alice.id,
          binding: hash('b'),
          createdAt,
          expiresAt: createdAt + 1_800_000,
        });
      const complete = (tokenHash: string, fromPasswordHash = alice.passwordHash, on = store) =>
        on.completePasswordReset({
          tokenHash,
          userId: alice.id,
          fromPasswordHash,
          toPasswordHash: '$argon2id$new',
          now: T0 + 60_000,
          notice: {
            kind: 'password_reset_done',
            recipient: alice.email,
            payload: { username: 'alice' },
            createdAt: T0,
          },
        });

      it('records a token by its hash and finds it', async () => {
        alice = await seedUser(store, 'alice', 'pw');
        await issue(hash('1'));
        expect(await other.findPasswordReset(hash('1'))).toEqual({
          tokenHash: hash('1'),
          userId: alice.id,
          binding: hash('b'),
          createdAt: T0,
          expiresAt: T0 + 1_800_000,
          usedAt: null,
        });
        expect(await store.findPasswordReset(hash('2'))).toBeUndefined();
      });

      it('completes once: the password, every session ended, the notice queued; a second use changes nothing', async () => {
        alice = await seedUser(store, 'alice', 'pw');
        await store.startSession({
          sessionId: 'a'.repeat(32),
          userId: alice.id,
          now: T0,
          ip: '',
          userAgent: '',
          token: { jti: 'b'.repeat(32), issuedAt: T0, expiresAt: T0 + 1e6 },
        });
        await issue(hash('1'));
        const results = await Promise.all([complete(hash('1')), complete(hash('1'), alice.passwordHash, other)]);
        expect(results.sort()).toEqual([false, true]);
        expect((await store.findUserById(alice.id))?.passwordHash).toBe('$argon2id$new');
        expect((await store.findPasswordReset(hash('1')))?.usedAt).toBe(T0 + 60_000);
        expect((await store.findSession('a'.repeat(32)))?.revokeReason).toBe('password_changed');
        expect((await store.listMail(['pending'], 10)).map((m) => [m.kind, m.recipient])).toEqual([
          ['password_reset_done', 'alice@example.com'],
        ]);
      });

      it('refuses, changing nothing, when the password changed since it was read', async () => {
        alice = await seedUser(store, 'alice', 'pw');
        await issue(hash('1'));
        expect(await complete(hash('1'), '$argon2id$someone-else')).toBe(false);
        expect((await store.findUserById(alice.id))?.passwordHash).toBe(alice.passwordHash);
        expect((await store.findPasswordReset(hash('1')))?.usedAt).toBeNull();
        expect(await store.listMail(['pending'], 10)).toEqual([]);
      });

      it('sweeps the user’s expired tokens when it issues one', async () => {
        alice = await seedUser(store, 'alice', 'pw');
        await issue(hash('1'), T0);
        await issue(hash('2'), T0 + 1_800_000);
        expect(await store.findPasswordReset(hash('1'))).toBeUndefined();
        expect(await store.findPasswordReset(hash('2'))).toBeDefined();
      });
    });
  });
}
