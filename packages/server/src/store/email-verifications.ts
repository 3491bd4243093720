import { sql, type Kysely } from 'kysely';
import { nullableNumber, toUserRecord } from './rows.js';
import type { Database } from './schema.js';
import type { AuditEntry, RevocationKind, Store } from './types.js';

type InsertAudit = (executor: Kysely<Database>, entry: AuditEntry | undefined) => Promise<void>;
type AppendRevocation = (
  executor: Kysely<Database>,
  kind: RevocationKind,
  target: string,
  now: number,
) => Promise<void>;

/** Thrown inside a verification's transaction to roll it back: the token or the address was not as read. */
class VerificationRaced extends Error {}

/** E-mail verification tokens: the part of the {@link Store} the verification flow uses. */
export function emailVerificationStore(
  db: Kysely<Database>,
  insertAudit: InsertAudit,
  appendRevocation: AppendRevocation,
): Pick<
  Store,
  'findUsersAwaitingVerification' | 'issueEmailVerification' | 'findEmailVerification' | 'completeEmailVerification'
> {
  return {
    async findUsersAwaitingVerification(email) {
      const address = email.toLowerCase();
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('is_active', '=', 1)
        .where((eb) =>
          eb.or([
            eb(sql<string>`lower(pending_email)`, '=', address),
            eb.and([
              eb(sql<string>`lower(email)`, '=', address),
              eb('email_verified', '=', 0),
              eb('pending_email', '=', ''),
            ]),
          ]),
        )
        .orderBy('id')
        .execute();
      return rows.map(toUserRecord);
    },

    issueEmailVerification: (verification, audit) =>
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto('email_verifications')
          .values({
            token_hash: verification.tokenHash,
            user_id: verification.userId,
            email: verification.email,
            created_at: verification.createdAt,
            expires_at: verification.expiresAt,
            used_at: null,
          })
          .execute();
        // Tokens past expiry are of no use to anyone: each issue sweeps its user's.
        await trx
          .deleteFrom('email_verifications')
          .where('user_id', '=', verification.userId)
          .where('expires_at', '<=', verification.createdAt)
          .execute();
        await insertAudit(trx, audit);
      }),

    async findEmailVerification(tokenHash) {
      const row = await db
        .selectFrom('email_verifications')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return (
        row && {
          tokenHash: row.token_hash,
          userId: Number(row.user_id),
          email: row.email,
          createdAt: Number(row.created_at),
          expiresAt: Number(row.expires_at),
          usedAt: nullableNumber(row.used_at),
        }
      );
    },

    async completeEmailVerification(tokenHash, now, audit) {
      try {
        return await db.transaction().execute(async (trx) => {
          const claimed = await trx
            .updateTable('email_verifications')
            .set({ used_at: now })
            .where('token_hash', '=', tokenHash)
            .where('used_at', 'is', null)
            .returning(['user_id', 'email'])
            .executeTakeFirst();
          if (claimed === undefined) throw new VerificationRaced();
          const verified = await trx
            .updateTable('users')
            .set({ email: claimed.email, email_verified: 1, pending_email: '' })
            .where('id', '=', claimed.user_id)
            .where((eb) =>
              eb.or([
                eb('pending_email', '=', claimed.email),
                eb.and([eb('email', '=', claimed.email), eb('pending_email', '=', '')]),
              ]),
            )
            .executeTakeFirst();
          if (Number(verified.numUpdatedRows) !== 1) throw new VerificationRaced();
          await insertAudit(trx, audit);
          // Instances cache users with their sessions: they must read the new address.
          await appendRevocation(trx, 'user', String(claimed.user_id), now);
          return Number(claimed.user_id);
        });
      } catch (error) {
        if (error instanceof VerificationRaced) return undefined;
        throw error;
      }
    },
  };
}
