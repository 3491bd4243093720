import type { Config } from '../config.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { Store } from './types.js';

/**
 * Opens the store `DATABASE_URL` names, migrated unless `migrate` is false.
 * `backgroundCheckpoints` is for a long-running server on SQLite, and
 * `onDirectoryCreated` hears of folders made for a SQLite file (see `openSqliteStore`).
 */
export async function openStore(
  config: Pick<Config, 'database' | 'databasePoolSize'>,
  options: Omit<SqliteStoreOptions, 'path'> = {},
): Promise<Store> {
  const { database } = config;
  if (database.kind === 'sqlite') return openSqliteStore({ path: database.path, ...options });
  const { migrate } = options;
  // Loaded only here: pg costs the embedded default memory it never uses.
  const { openPostgresStore } = await import('./postgres.js');
  return openPostgresStore({
    url: database.url,
    poolSize: config.databasePoolSize,
    ...(migrate === undefined ? {} : { migrate }),
  });
}
