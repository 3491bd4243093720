import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { availableDialects, freshStoresEachTest } from '../support/stores.js';
import { seedUser } from '../support/users.js';

const T0 = 1_800_000_000_000;
const hex = (n: number) => n.toString(16).padStart(32, '0');
const proofId = (n: number) => n.toString(16).padStart(64, '0');
const JKT = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';

for (const dialect of availableDialects()) {
  describe(`store contract, DPoP: ${dialect}`, () => {
    let store: Store;
    let other: Store;
    freshStoresEachTest(dialect, (opened, another) => ([store, other] = [opened, another]));

    const login = async (userId: number, session: number, dpopJkt?: string) => {
      const token = { jti: hex(session + 100), issuedAt: T0, expiresAt: T0 + 1000 };
      await store.startSession({ sessionId: hex(session), userId, now: T0, ip: '', userAgent: '', token, dpopJkt });
    };

    it('keeps the key a session is bound to with its tokens and in the session list; unbound sessions have none', async () => {
      const user = await seedUser(store, 'alice', 'correct horse');
      await login(user.id, 1, JKT);
      await login(user.id, 2);
      expect(await other.findRefreshToken(hex(101))).toMatchObject({ sessionId: hex(1), sessionDpopJkt: JKT });
      expect(await other.findRefreshToken(hex(102))).toMatchObject({ sessionId: hex(2), sessionDpopJkt: null });
      const listed = await other.listSessions(user.id);
      expect(listed.map((session) => [session.id, session.dpopJkt])).toEqual([
        [hex(1), JKT],
        [hex(2), null],
      ]);
    });

    it('remembers a proof once, across instances, and forgets it once expired', async () => {
      expect(await store.rememberDpopProof(proofId(1), T0 + 1000)).toBe(true);
      expect(await other.rememberDpopProof(proofId(1), T0 + 1000)).toBe(false);
      expect(await store.rememberDpopProof(proofId(1), T0 + 5000)).toBe(false);
      expect(await store.rememberDpopProof(proofId(2), T0 + 5000)).toBe(true);

      await store.deleteExpired(T0 + 999);
      expect(await store.rememberDpopProof(proofId(1), T0 + 1000)).toBe(false);
      await store.deleteExpired(T0 + 1000);
      expect(await other.rememberDpopProof(proofId(1), T0 + 2000)).toBe(true);
      expect(await store.rememberDpopProof(proofId(2), T0 + 5000)).toBe(false);
    });

    it('of concurrent presentations of one proof, exactly one is remembered', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? store : other).rememberDpopProof(proofId(3), T0 + 1000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
