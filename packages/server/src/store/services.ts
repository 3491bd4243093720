import type { Kysely, Selectable } from 'kysely';
import { nullableNumber } from './rows.js';
import type { Database, ServicesTable } from './schema.js';
import { DuplicateServiceError, type AuditEntry, type ServiceRecord, type Store } from './types.js';

const toServiceRecord = (row: Selectable<ServicesTable>): ServiceRecord => ({
  name: row.name,
  secretHash: row.secret_hash,
  createdAt: Number(row.created_at),
  revokedAt: nullableNumber(row.revoked_at),
});

/**
 * The services that may read the revocation feed: the part of the
 * {@link Store} the CLI writes and the feed's authentication reads.
 * `insertAudit` writes an audit entry with the transaction given.
 */
export function serviceStore(
  db: Kysely<Database>,
  isUniqueViolation: (error: unknown) => boolean,
  insertAudit: (executor: Kysely<Database>, entry: AuditEntry | undefined) => Promise<void>,
): Pick<Store, 'createService' | 'findService' | 'listServices' | 'revokeService'> {
  return {
    async createService(name, secretHash, now, audit) {
      try {
        return await db.transaction().execute(async (trx) => {
          // A revoked service's name may be taken again; a live one's may not (the key says so).
          await trx.deleteFrom('services').where('name', '=', name).where('revoked_at', 'is not', null).execute();
          const row = await trx
            .insertInto('services')
            .values({ name, secret_hash: secretHash, created_at: now, revoked_at: null })
            .returningAll()
            .executeTakeFirstOrThrow();
          await insertAudit(trx, audit);
          return toServiceRecord(row);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateServiceError(name);
        throw error;
      }
    },

    async findService(name) {
      const row = await db.selectFrom('services').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toServiceRecord(row);
    },

    async listServices() {
      const rows = await db.selectFrom('services').selectAll().orderBy('name').execute();
      return rows.map(toServiceRecord);
    },

    revokeService: (name, now, audit) =>
      db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('services')
          .set({ revoked_at: now })
          .where('name', '=', name)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        const revoked = Number(result.numUpdatedRows) > 0;
        if (revoked) await insertAudit(trx, audit);
        return revoked;
      }),
  };
}
