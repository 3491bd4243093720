import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, type Driver } from 'kysely';
import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';
import { sqliteNodeVersionProblem } from './sqlite-node-version.js';
import { withStatementCache } from './sqlite-statements.js';
import type { Store } from './types.js';
import { guardAvailability } from './unavailable.js';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. */
  path: string;
  /** Run migrations on open (the server does; `tessera migrate` does it alone). */
  migrate?: boolean;
  /** Checkpoint the WAL from a worker thread instead of after commits (the server does; see `startCheckpointer`). */
  backgroundCheckpoints?: boolean;
  /** Told the first directory created for the file, when its folder did not exist: creating folders is said, not silent. */
  onDirectoryCreated?: (directory: string) => void;
}

/**
 * SQLite's own default page cache, 2 MiB a connection. better-sqlite3 builds
 * SQLite with 16 MiB, which steady refreshes fill with pages the OS's page
 * cache holds anyway: resident memory grows and no throughput is gained
 * (docs/benchmarks.md, "Memory").
 */
const SQLITE_CACHE_KIB = 2000;

/**
 * A connection as the store uses it: WAL, `synchronous=NORMAL`, a 5 s busy timeout, a 2 MiB page cache.
 * Refuses a Node on which better-sqlite3 would abort the process later (see `sqliteNodeVersionProblem`).
 */
export function openSqliteConnection(path: string): BetterSqlite3.Database {
  const problem = sqliteNodeVersionProblem();
  if (problem !== undefined) throw new Error(problem);
  const connection = new BetterSqlite3(path);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  return connection;
}

/**
 * Kysely over `connection`, its transactions begun `IMMEDIATE`: a transaction
 * takes the write lock at its start, waiting on the busy timeout, so that
 * another process writing meanwhile (a `--workers` sibling, a CLI command)
 * makes it wait, never fail halfway. A deferred transaction that read first
 * cannot take the lock once another connection has committed after its read:
 * SQLite answers SQLITE_BUSY at once, without the busy timeout.
 */
export function sqliteKysely(connection: BetterSqlite3.Database): Kysely<Database> {
  return new Kysely<Database>({ dialect: new ImmediateTransactions({ database: withStatementCache(connection) }) });
}

class ImmediateTransactions extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/**
 * SQLite through better-sqlite3 in WAL mode. `synchronous=NORMAL` in WAL
 * keeps every commit across a process crash (`kill -9`); a power cut may lose
 * the last commits, which `synchronous=FULL` would trade throughput to keep.
 */
export async function openSqliteStore({
  path,
  migrate = true,
  backgroundCheckpoints = false,
  onDirectoryCreated,
}: SqliteStoreOptions): Promise<Store> {
  if (path !== ':memory:') {
    const created = mkdirSync(dirname(resolve(path)), { recursive: true });
    if (created !== undefined) onDirectoryCreated?.(created);
  }
  const connection = openSqliteConnection(path);
  const db = sqliteKysely(connection);
  try {
    if (migrate) await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  let checkpointer: Checkpointer | undefined;
  if (backgroundCheckpoints && path !== ':memory:') {
    connection.pragma('wal_autocheckpoint = 0');
    checkpointer = startCheckpointer({
      path,
      // SQLite's default: checkpoint after a commit that takes the WAL past 1000 pages.
      onFailure: () => connection.pragma('wal_autocheckpoint = 1000'),
    });
  }
  const close = async () => {
    await checkpointer?.stop();
    await db.destroy();
  };
  const store = createKyselyStore(db, isSqliteUniqueViolation, close);
  return guardAvailability(store, isSqliteUnavailable);
}

/**
 * Errors a retry may outlive: another process held the write lock past
 * busy_timeout, or the disk is full or failing. Nothing was committed.
 */
function isSqliteUnavailable(error: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN)/.test(String((error as { code?: unknown } | null)?.code));
}

function isSqliteUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
