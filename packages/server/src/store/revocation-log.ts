import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { RevocationEvent, RevocationLogBounds, Store } from './types.js';

/** The one row of `revocations_pruned`. */
const WATERMARK_ROW = 1;

/**
 * The revocation log's reads, and its pruning: the part of the {@link Store}
 * that instances and the revocation feed follow.
 */
export function revocationLog(
  db: Kysely<Database>,
): Pick<Store, 'readRevocations' | 'latestRevocationId' | 'revocationLogBounds' | 'revocationCursorAt'> {
  /** The newest entry's id (written before `beforeMs` when given), 0 when there is none. */
  const latestId = async (executor: Kysely<Database>, beforeMs?: number) => {
    let query = executor.selectFrom('revocations').select((eb) => eb.fn.max('id').as('id'));
    if (beforeMs !== undefined) query = query.where('at', '<', beforeMs);
    const row = await query.executeTakeFirst();
    return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
  };
  /** The highest id pruning has deleted, 0 before any. */
  const prunedThroughId = async (executor: Kysely<Database>) => {
    const row = await executor
      .selectFrom('revocations_pruned')
      .select('through')
      .where('id', '=', WATERMARK_ROW)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.through);
  };
  return {
    async readRevocations(afterId, limit): Promise<RevocationEvent[]> {
      const rows = await db
        .selectFrom('revocations')
        .select(['id', 'kind', 'target', 'at'])
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ id: Number(row.id), kind: row.kind, target: row.target, at: Number(row.at) }));
    },

    latestRevocationId: () => latestId(db),

    async revocationLogBounds(): Promise<RevocationLogBounds> {
      // One transaction, so that a prune cannot fall between the two reads.
      return db.transaction().execute(async (trx) => {
        const prunedThrough = await prunedThroughId(trx);
        return { prunedThrough, latest: Math.max(prunedThrough, await latestId(trx)) };
      });
    },

    async revocationCursorAt(atMs) {
      return db.transaction().execute(async (trx) => {
        const older = await latestId(trx, atMs);
        return older > 0 ? older : prunedThroughId(trx);
      });
    },
  };
}

/**
 * Deletes the log entries written at or before `before`, and every entry
 * before the newest of them, and raises the watermark to the highest id
 * deleted, in one transaction: a reader that finds the watermark at or below
 * its cursor after reading knows it missed nothing. Several instances may
 * prune at once; the watermark only goes up.
 */
export async function pruneRevocations(db: Kysely<Database>, before: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const newest = await trx
      .selectFrom('revocations')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('at', '<=', before)
      .executeTakeFirst();
    if (newest?.id === null || newest?.id === undefined) return;
    const through = Number(newest.id);
    await trx.deleteFrom('revocations').where('id', '<=', through).execute();
    await trx
      .insertInto('revocations_pruned')
      .values({ id: WATERMARK_ROW, through })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet({ through }).where('revocations_pruned.through', '<', through),
      )
      .execute();
  });
}
