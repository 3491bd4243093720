import type { Kysely, Selectable } from 'kysely';
import { nullableNumber } from './rows.js';
import type { Database, ServicesTable } from './schema.js';
import { DuplicateServiceError, type ServiceRecord, type Store } from './types.js';

const toServiceRecord = (row: Selectable<ServicesTable>): ServiceRecord => ({
  name: row.name,
  secretHash: row.secret_hash,
  createdAt: Number(row.created_at),
  revokedAt: nullableNumber(row.revoked_at),
});

/**
 * The services that may read the revocation feed: the part of the
 * {@link Store} the CLI writes and the feed's authentication reads.
 */
export function serviceStore(
  db: Kysely<Database>,
  isUniqueViolation: (error: unknown) => boolean,
): Pick<Store, 'createService' | 'findService' | 'listServices' | 'revokeService'> {
  return {
    async createService(name, secretHash, now) {
      try {
        return await db.transaction().execute(async (trx) => {
          // A revoked service's name may be taken again; a live one's may not (the key says so).
          await trx.deleteFrom('services').where('name', '=', name).where('revoked_at', 'is not', null).execute();
          const row = await trx
            .insertInto('services')
            .values({ name, secret_hash: secretHash, created_at: now, revoked_at: null })
            .returningAll()
            .executeTakeFirstOrThrow();
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

    async revokeService(name, now) {
      const result = await db
        .updateTable('services')
        .set({ revoked_at: now })
        .where('name', '=', name)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
