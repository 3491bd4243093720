import { sql, type Kysely } from 'kysely';
import { insertMail } from './mail-outbox.js';
import { nullableNumber, toUserRecord } from './rows.js';
import type { Database } from './schema.js';
import type { AuditEntry, RevokeReason, Store } from './types.js';

type InsertAudit = (executor: Kysely<Database>, entry: AuditEntry | undefined) => Promise<void>;
type RevokeUserSessions = (
  executor: Kysely<Database>,
  userId: number,
  now: number,
  reason: RevokeReason,
) => Promise<number>;

/** Thrown inside a reset's transaction to roll it back: the token or the password was not as read. */
class ResetRaced extends Error {}

/** Password reset tokens and the look-up by address: the part of the {@link Store} the reset flow uses. */
export function passwordResetStore(
  db: Kysely<Database>,
  insertAudit: InsertAudit,
  revokeUserSessions: RevokeUserSessions,
): Pick<Store, 'findActiveUsersByEmail' | 'issuePasswordReset' | 'findPasswordReset' | 'completePasswordReset'> {
  return {
    async findActiveUsersByEmail(email) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where(sql<string>`lower(email)`, '=', email.toLowerCase())
        .where('is_active', '=', 1)
        .orderBy('id')
        .execute();
      return rows.map(toUserRecord);
    },

    issuePasswordReset: (reset, audit) =>
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto('password_resets')
          .values({
            token_hash: reset.tokenHash,
            user_id: reset.userId,
            binding: reset.binding,
            created_at: reset.createdAt,
            expires_at: reset.expiresAt,
            used_at: null,
          })
          .execute();
        // Tokens past expiry are of no use to anyone: each issue sweeps its user's.
        await trx
          .deleteFrom('password_resets')
          .where('user_id', '=', reset.userId)
          .where('expires_at', '<=', reset.createdAt)
          .execute();
        await insertAudit(trx, audit);
      }),

    async findPasswordReset(tokenHash) {
      const row = await db
        .selectFrom('password_resets')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return (
        row && {
          tokenHash: row.token_hash,
          userId: Number(row.user_id),
          binding: row.binding,
          createdAt: Number(row.created_at),
          expiresAt: Number(row.expires_at),
          usedAt: nullableNumber(row.used_at),
        }
      );
    },

    async completePasswordReset({ tokenHash, userId, fromPasswordHash, toPasswordHash, now, notice }, audit) {
      try {
        await db.transaction().execute(async (trx) => {
          const claimed = await trx
            .updateTable('password_resets')
            .set({ used_at: now })
            .where('token_hash', '=', tokenHash)
            .where('user_id', '=', userId)
            .where('used_at', 'is', null)
            .executeTakeFirst();
          const changed = await trx
            .updateTable('users')
            .set({ password: toPasswordHash })
            .where('id', '=', userId)
            .where('password', '=', fromPasswordHash)
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) !== 1 || Number(changed.numUpdatedRows) !== 1) throw new ResetRaced();
          await insertMail(trx, notice);
          await insertAudit(trx, audit);
          // Last: it takes the revocation log's order lock, held until the commit.
          await revokeUserSessions(trx, userId, now, 'password_changed');
        });
        return true;
      } catch (error) {
        if (error instanceof ResetRaced) return false;
        throw error;
      }
    },
  };
}
