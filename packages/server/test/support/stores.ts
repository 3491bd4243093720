import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';

export type DialectName = 'sqlite' | 'postgres';

/** A fresh, migrated, empty store and a way to throw it away. */
export interface TestStore {
  store: Store;
  /** A second handle on the same data, as another instance would have. */
  openAnother: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

/** The dialects this run can test: SQLite always, PostgreSQL when the global setup found it. */
export function availableDialects(): DialectName[] {
  return inject('postgresUrl') === null ? ['sqlite'] : ['sqlite', 'postgres'];
}

/** The dialect the HTTP suites run on in this vitest project. */
export function httpDialect(): DialectName {
  return process.env.TESSERA_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';
}

/**
 * SQLite: in memory, and its second handle is the first (better-sqlite3 waits
 * for a lock synchronously, so two connections in one process would block each
 * other's event loop; instances sharing a SQLite file are separate processes).
 * PostgreSQL: a schema of its own in this run's database.
 */
export async function createTestStore(dialect: DialectName): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const store = await openSqliteStore({ path: ':memory:' });
    return { store, openAnother: () => Promise.resolve(store), cleanup: () => store.close() };
  }
  const url = inject('postgresUrl');
  if (url === null) throw new Error('PostgreSQL is not available in this run');
  const schema = await createSchema(url);
  const opened: Store[] = [await openPostgresStore({ url, schema, poolSize: 4 })];
  return {
    store: opened[0]!,
    async openAnother() {
      const another = await openPostgresStore({ url, schema, poolSize: 4, migrate: false });
      opened.push(another);
      return another;
    },
    async cleanup() {
      await Promise.all(opened.map((store) => store.close()));
      await withClient(url, (client) => client.query(`DROP SCHEMA ${schema} CASCADE`));
    },
  };
}

/** A new, empty schema in the database at `url`; returns its name. */
export async function createSchema(url: string, prefix = 't'): Promise<string> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(url, (client) => client.query(`CREATE SCHEMA ${schema}`));
  return schema;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
