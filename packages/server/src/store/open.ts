import type { Config } from '../config.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/** Opens the store `DATABASE_URL` names, migrated unless `migrate` is false. */
export async function openStore(
  config: Pick<Config, 'database' | 'databasePoolSize'>,
  options: { migrate?: boolean } = {},
): Promise<Store> {
  const { database } = config;
  if (database.kind === 'sqlite') return openSqliteStore({ path: database.path, ...options });
  return openPostgresStore({ url: database.url, poolSize: config.databasePoolSize, ...options });
}
