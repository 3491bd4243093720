import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * better-sqlite3 behind Kysely, with each SQL text prepared once. Kysely
 * prepares a statement on every query; profiling showed `prepare` as the
 * largest single cost of a protected request. Statements are reusable, and
 * the driver is synchronous, so one statement never serves two queries at once.
 */
export function withStatementCache(database: SqliteDatabase, maxStatements = 256): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        // Texts vary only with `in (…)` list lengths; keep the most recent.
        if (statements.size >= maxStatements) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
