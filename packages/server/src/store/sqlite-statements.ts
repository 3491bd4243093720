import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** What the cache uses of a better-sqlite3 connection. */
type Connection = SqliteDatabase & Pick<BetterSqlite3.Database, 'inTransaction'>;

/**
 * A `rollback` that does nothing when SQLite has already rolled back on its
 * own, as it does on some errors (`SQLITE_FULL`, `SQLITE_IOERR`): otherwise
 * "cannot rollback - no transaction is active" would replace the real error.
 */
function rollbackIfOpen(database: Connection, statement: SqliteStatement): SqliteStatement {
  return {
    reader: false,
    all: (parameters) => statement.all(parameters),
    iterate: (parameters) => statement.iterate(parameters),
    run: (parameters) => (database.inTransaction ? statement.run(parameters) : { changes: 0, lastInsertRowid: 0 }),
  };
}

/**
 * better-sqlite3 behind Kysely, with each SQL text prepared once. Kysely
 * prepares a statement on every query; profiling showed `prepare` as the
 * largest single cost of a protected request. Statements are reusable, and
 * the driver is synchronous, so one statement never serves two queries at once.
 */
export function withStatementCache(database: Connection, maxStatements = 256): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (sql === 'rollback') statement = rollbackIfOpen(database, statement);
        // Texts vary only with `in (…)` list lengths; keep the most recent.
        if (statements.size >= maxStatements) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
