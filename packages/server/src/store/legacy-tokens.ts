import type { Kysely } from 'kysely';
import { SESSION_USER_COLUMNS, type hotQueries } from './hot-queries.js';
import { toSessionUser } from './rows.js';
import type { Database } from './schema.js';
import type { AuditEntry, Store } from './types.js';

/**
 * The store's part in a move from Django: SimpleJWT's imported blacklist; a
 * legacy refresh token taken in as a new session's first token, so that it
 * is rotated, and its reuse caught, as tessera's own are; DRF's Token keys.
 */
export function legacyTokenStore(
  db: Kysely<Database>,
  hot: ReturnType<typeof hotQueries>,
  insertAudit: (executor: Kysely<Database>, entry: AuditEntry | undefined) => Promise<void>,
): Pick<
  Store,
  'isSimplejwtBlacklisted' | 'blacklistSimplejwt' | 'adoptLegacyRefreshToken' | 'findDrfTokenUser' | 'revokeDrfTokens'
> {
  return {
    async isSimplejwtBlacklisted(jti) {
      const row = await db.selectFrom('simplejwt_blacklist').select('jti').where('jti', '=', jti).executeTakeFirst();
      return row !== undefined;
    },

    async blacklistSimplejwt(jti, expiresAt) {
      await db
        .insertInto('simplejwt_blacklist')
        .values({ jti, expires_at: expiresAt })
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
    },

    adoptLegacyRefreshToken({ sessionId, userId, now, ip, userAgent, token }, audit) {
      return db.transaction().execute(async (trx) => {
        // The token's row first: of two presentations at once, exactly one inserts it.
        const inserted = await trx
          .insertInto('refresh_tokens')
          .values({
            jti: token.jti,
            session_id: sessionId,
            parent_jti: null,
            issued_at: token.issuedAt,
            expires_at: token.expiresAt,
            used_at: null,
          })
          .onConflict((oc) => oc.column('jti').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
        // A SimpleJWT token carries no DPoP key: its session starts unbound.
        await hot.insertSession.run(trx, { id: sessionId, userId, now, ip, userAgent, dpopJkt: null });
        await insertAudit(trx, audit);
        return true;
      });
    },

    async findDrfTokenUser(keyHash) {
      const row = await db
        .selectFrom('drf_tokens as t')
        .innerJoin('users as u', 'u.id', 't.user_id')
        .select(SESSION_USER_COLUMNS)
        .where('t.key_hash', '=', keyHash)
        .executeTakeFirst();
      return row && toSessionUser(row);
    },

    revokeDrfTokens: (audit) =>
      db.transaction().execute(async (trx) => {
        const deleted = await trx.deleteFrom('drf_tokens').executeTakeFirst();
        await insertAudit(trx, audit);
        return Number(deleted.numDeletedRows);
      }),
  };
}
