import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { AuditQuery, AuditRecord } from './types.js';

/** The entries `query` selects, newest first, and how many match in all. */
export async function listAudit(
  db: Kysely<Database>,
  { user, event, since, until, offset, limit }: AuditQuery,
): Promise<{ count: number; records: AuditRecord[] }> {
  let query = db.selectFrom('audit_log');
  if (user !== undefined) {
    query = query.where((eb) =>
      user.id === undefined
        ? eb('username', '=', user.username)
        : eb.or([eb('user_id', '=', user.id), eb('username', '=', user.username)]),
    );
  }
  if (event !== undefined) query = query.where('event', '=', event);
  if (since !== undefined) query = query.where('at', '>=', since);
  if (until !== undefined) query = query.where('at', '<', until);
  const total = await query.select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow();
  const rows = await query
    .selectAll()
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .offset(offset)
    .limit(limit)
    .execute();
  return {
    count: Number(total.count),
    records: rows.map((row) => ({
      id: Number(row.id),
      at: Number(row.at),
      event: row.event,
      userId: row.user_id === null ? null : Number(row.user_id),
      username: row.username,
      sessionId: row.session_id,
      ip: row.ip,
      userAgent: row.user_agent,
      details: parseDetails(row.details),
    })),
  };
}

/**
 * Deletes entries older than `before`, oldest first, `batchSize` rows a
 * statement through the index on `at`, so a large backlog never holds a long lock.
 */
export async function deleteAuditBefore(db: Kysely<Database>, before: number, batchSize: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await db
      .deleteFrom('audit_log')
      .where('id', 'in', (eb) =>
        eb.selectFrom('audit_log').select('id').where('at', '<', before).orderBy('at').limit(batchSize),
      )
      .executeTakeFirst();
    deleted += Number(batch.numDeletedRows);
    if (Number(batch.numDeletedRows) < batchSize) return deleted;
  }
}

function parseDetails(raw: string): Record<string, string | number | boolean> {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, string | number | boolean>)
      : {};
  } catch {
    return {};
  }
}
