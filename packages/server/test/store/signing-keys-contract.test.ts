import { describe, expect, it } from 'vitest';
import type { SigningKeyRecord, Store } from '../../src/store/types.js';
import { availableDialects, freshStoresEachTest } from '../support/stores.js';

const T0 = 1_800_000_000_000;

const key = (
  kid: string,
  state: SigningKeyRecord['state'],
  overrides: Partial<SigningKeyRecord> = {},
): SigningKeyRecord => ({
  kid,
  algorithm: 'EdDSA',
  publicJwk: `{"kty":"OKP","crv":"Ed25519","x":"x-${kid}","kid":"${kid}","alg":"EdDSA","use":"sig"}`,
  privateKey: `v1.sealed-${kid}`,
  state,
  createdAt: T0,
  activatedAt: state === 'current' ? T0 : null,
  retiredAt: null,
  revokedAt: null,
  ...overrides,
});
/** A kid as long as an RFC 7638 thumbprint. */
const kid = (n: number) => `${String(n).padStart(2, '0')}${'k'.repeat(41)}`;

for (const dialect of availableDialects()) {
  describe(`store contract, signing keys: ${dialect}`, () => {
    let store: Store;
    let other: Store;
    freshStoresEachTest(dialect, (opened, another) => ([store, other] = [opened, another]));

    const add = (record: SigningKeyRecord, now = T0) =>
      store.changeSigningKeys({ transitions: [], add: record, now, log: { kind: 'keys', target: record.kid } });
    const newestLog = async () =>
      (await store.readRevocations(0, 100)).map(({ kind, target, at }) => ({ kind, target, at }));

    it('holds no keys at first, then lists added keys with every field, oldest first', async () => {
      expect(await store.listSigningKeys()).toEqual([]);
      const hs = key(kid(1), 'current', { algorithm: 'HS256', publicJwk: null, privateKey: null });
      const next = key(kid(2), 'next', { createdAt: T0 + 1 });
      expect(await add(hs)).toBe(true);
      expect(await add(next, T0 + 1)).toBe(true);
      expect(await other.listSigningKeys()).toEqual([hs, next]);
      expect(await newestLog()).toEqual([
        { kind: 'keys', target: kid(1), at: T0 },
        { kind: 'keys', target: kid(2), at: T0 + 1 },
      ]);
    });

    it('holds at most one current and one next key: a second of either is refused and changes nothing', async () => {
      await add(key(kid(1), 'current'));
      await add(key(kid(2), 'next'));
      expect(await add(key(kid(3), 'current'))).toBe(false);
      expect(await add(key(kid(4), 'next'))).toBe(false);
      expect((await store.listSigningKeys()).map((row) => row.kid)).toEqual([kid(1), kid(2)]);
      expect(await newestLog()).toHaveLength(2);
    });

    it('rotates in one change: current retired, next current, a new next, and one log entry "keys"', async () => {
      await add(key(kid(1), 'current'));
      await add(key(kid(2), 'next'));
      const changed = await store.changeSigningKeys({
        transitions: [
          { kid: kid(1), from: 'current', to: 'retired' },
          { kid: kid(2), from: 'next', to: 'current' },
        ],
        add: key(kid(3), 'next', { createdAt: T0 + 5 }),
        now: T0 + 5,
        log: { kind: 'keys', target: kid(2) },
      });
      expect(changed).toBe(true);
      expect(await store.listSigningKeys()).toEqual([
        key(kid(1), 'retired', { activatedAt: T0, retiredAt: T0 + 5 }),
        key(kid(2), 'current', { activatedAt: T0 + 5 }),
        key(kid(3), 'next', { createdAt: T0 + 5 }),
      ]);
      expect((await newestLog()).at(-1)).toEqual({ kind: 'keys', target: kid(2), at: T0 + 5 });
    });

    it('of two instances rotating the same current key at once, exactly one succeeds', async () => {
      await add(key(kid(1), 'current'));
      await add(key(kid(2), 'next'));
      const rotate = (on: Store, newNext: number) =>
        on.changeSigningKeys({
          transitions: [
            { kid: kid(1), from: 'current', to: 'retired' },
            { kid: kid(2), from: 'next', to: 'current' },
          ],
          add: key(kid(newNext), 'next'),
          now: T0 + 1,
          log: { kind: 'keys', target: kid(2) },
        });
      const outcomes = await Promise.all([rotate(store, 3), rotate(other, 4), rotate(store, 5)]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const rows = await store.listSigningKeys();
      expect(rows.filter((row) => row.state === 'next')).toHaveLength(1);
      expect(rows.filter((row) => row.state === 'current').map((row) => row.kid)).toEqual([kid(2)]);
      expect(rows).toHaveLength(3);
      expect(await newestLog()).toHaveLength(3);
    });

    it('revokes a key with a log entry "key" naming it; a key not in the expected state is refused whole', async () => {
      await add(key(kid(1), 'retired', { retiredAt: T0 }));
      await add(key(kid(2), 'current'));
      const revoke = (from: SigningKeyRecord['state']) =>
        store.changeSigningKeys({
          transitions: [{ kid: kid(1), from, to: 'revoked' }],
          now: T0 + 9,
          log: { kind: 'key', target: kid(1) },
        });
      expect(await revoke('current')).toBe(false);
      expect(await revoke('retired')).toBe(true);
      expect(await revoke('retired')).toBe(false);
      expect((await store.listSigningKeys())[0]).toEqual(key(kid(1), 'revoked', { retiredAt: T0, revokedAt: T0 + 9 }));
      expect(await newestLog()).toEqual([
        { kind: 'keys', target: kid(1), at: T0 },
        { kind: 'keys', target: kid(2), at: T0 },
        { kind: 'key', target: kid(1), at: T0 + 9 },
      ]);
    });

    it('drops a next key and adds its replacement in one change; a failed transition keeps the old one', async () => {
      await add(key(kid(1), 'current'));
      await add(key(kid(2), 'next'));
      const replace = (from: number, by: number) =>
        store.changeSigningKeys({
          transitions: [{ kid: kid(from), from: 'next', to: 'deleted' }],
          add: key(kid(by), 'next', { algorithm: 'RS256' }),
          now: T0,
          log: { kind: 'keys', target: kid(by) },
        });
      expect(await replace(1, 3)).toBe(false);
      expect(await replace(2, 3)).toBe(true);
      expect((await store.listSigningKeys()).map((row) => [row.kid, row.state, row.algorithm])).toEqual([
        [kid(1), 'current', 'EdDSA'],
        [kid(3), 'next', 'RS256'],
      ]);
    });

    it('says whether any session is on record', async () => {
      expect(await store.hasSessions()).toBe(false);
      const user = await store.createUser({
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
      });
      await store.startSession({
        sessionId: '0'.repeat(32),
        userId: user.id,
        now: T0,
        ip: '',
        userAgent: '',
        token: { jti: '1'.repeat(32), issuedAt: T0, expiresAt: T0 + 1000 },
      });
      expect(await other.hasSessions()).toBe(true);
    });
  });
}
