import type { DatabaseLocation } from '../config.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/** Opens the store `DATABASE_URL` names, migrated unless `migrate` is false. */
export async function openStore(location: DatabaseLocation, options: { migrate?: boolean } = {}): Promise<Store> {
  if (location.kind === 'sqlite') return openSqliteStore({ path: location.path, ...options });
  throw new Error('PostgreSQL support is not built yet: use DATABASE_URL=sqlite:PATH for now.');
}
