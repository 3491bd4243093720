import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Store } from './types.js';

/**
 * The replay cache of DPoP proofs (RFC 9449 §11.1), in the store so that
 * every instance shares it. A row lives only as long as its proof would be
 * accepted: `deleteExpired` drops the rest.
 */
export function dpopProofStore(db: Kysely<Database>): Pick<Store, 'rememberDpopProof'> & {
  deleteExpiredDpopProofs(now: number): Promise<number>;
} {
  return {
    async rememberDpopProof(id, expiresAt) {
      // One conditional insert: of two instances seeing one proof at once, exactly one inserts.
      const inserted = await db
        .insertInto('dpop_proofs')
        .values({ id, expires_at: expiresAt })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    async deleteExpiredDpopProofs(now) {
      const result = await db.deleteFrom('dpop_proofs').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
