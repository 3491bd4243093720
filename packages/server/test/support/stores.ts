import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, inject } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { seedUser } from './users.js';

export type DialectName = 'sqlite' | 'postgres';

/** A fresh, migrated, empty store and a way to throw it away. */
export interface TestStore {
  store: Store;
  /** A second handle on the same data, as another instance would have. */
  openAnother: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

/**
 * For every test of the enclosing `describe`: a fresh store of `dialect`
 * and a second handle on it (another instance's), handed to `take` before
 * the test and thrown away after it.
 *
 * @example
 * ```ts
 * let store: Store;
 * let other: Store;
 * freshStoresEachTest(dialect, (opened, another) => ([store, other] = [opened, another]));
 * ```
 */
export function freshStoresEachTest(dialect: DialectName, take: (store: Store, other: Store) => void): void {
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const opened = await createTestStore(dialect);
    cleanup = opened.cleanup;
    take(opened.store, await opened.openAnother());
  });
  afterEach(() => cleanup?.());
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
 * PostgreSQL: a schema to itself, migrated once per test file and emptied
 * (rows and sequences) before each reuse; the store and its caches are new.
 */
export async function createTestStore(dialect: DialectName): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const store = await openSqliteStore({ path: ':memory:' });
    return { store, openAnother: () => Promise.resolve(store), cleanup: () => store.close() };
  }
  const url = inject('postgresUrl');
  if (url === null) throw new Error('PostgreSQL is not available in this run');
  const free = freeSchemas.get(url) ?? freeSchemas.set(url, []).get(url)!;
  const reused = free.pop();
  if (reused !== undefined) await emptySchema(url, reused);
  const schema = reused ?? (await createSchema(url));
  const opened: Store[] = [await openPostgresStore({ url, schema, poolSize: 4, migrate: reused === undefined })];
  return {
    store: opened[0]!,
    async openAnother() {
      const another = await openPostgresStore({ url, schema, poolSize: 4, migrate: false });
      opened.push(another);
      return another;
    },
    async cleanup() {
      await Promise.all(opened.map((store) => store.close()));
      // The run's database is dropped at the end, schemas and all.
      free.push(schema);
    },
  };
}

/**
 * Per database, migrated schemas no open store uses. Migrating costs ~150 ms
 * a test; emptying ~15. A test holding two stores at once gets two schemas.
 * Each vitest project has a database of its own, and a worker may serve more
 * than one project.
 */
const freeSchemas = new Map<string, string[]>();
/** Per schema, the statements that empty it (its tables do not change within a file). */
const emptying = new Map<string, string>();

/**
 * Deletes every row of `schema`'s tables but the migrator's and restarts
 * their sequences. DELETE, not TRUNCATE: on tables this small TRUNCATE costs
 * ~65 ms (new files, synced), DELETE ~6 ms.
 */
async function emptySchema(url: string, schema: string): Promise<void> {
  await withClient(url, async (client) => {
    let statements = emptying.get(schema);
    if (statements === undefined) {
      statements = await emptyingStatements(client, schema);
      emptying.set(schema, statements);
    }
    await client.query(statements);
  });
}

/** DELETEs, referencing tables before the tables they reference, then sequence restarts. */
async function emptyingStatements(client: pg.Client, schema: string): Promise<string> {
  const tables = await client.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely%'`,
    [schema],
  );
  const references = await client.query<{ child: string; parent: string }>(
    `SELECT child.relname AS child, parent.relname AS parent
     FROM pg_constraint c
     JOIN pg_class child ON child.oid = c.conrelid
     JOIN pg_class parent ON parent.oid = c.confrelid
     WHERE c.contype = 'f' AND c.connamespace = $1::regnamespace AND c.conrelid <> c.confrelid`,
    [schema],
  );
  const sequences = await client.query<{ name: string }>(
    'SELECT sequence_name AS name FROM information_schema.sequences WHERE sequence_schema = $1',
    [schema],
  );
  const left = new Set(tables.rows.map(({ name }) => name));
  const order: string[] = [];
  while (left.size > 0) {
    const next = [...left].find((table) => !references.rows.some((r) => r.parent === table && left.has(r.child)));
    if (next === undefined) throw new Error(`cyclic foreign keys among ${[...left].join(', ')}`);
    order.push(next);
    left.delete(next);
  }
  return [
    ...order.map((table) => `DELETE FROM ${schema}."${table}";`),
    ...sequences.rows.map(({ name }) => `ALTER SEQUENCE ${schema}."${name}" RESTART;`),
  ].join('\n');
}

/** A new, empty schema in the database at `url`; returns its name. */
export async function createSchema(url: string, prefix = 't'): Promise<string> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(url, (client) => client.query(`CREATE SCHEMA ${schema}`));
  return schema;
}

/**
 * A new migrated schema at `url` holding alice ('correct horse'), for tessera
 * processes: answers a DATABASE_URL that selects it, through `host` (a proxy
 * in front of the database) when given.
 */
export async function createSeededDatabase(url: string, prefix: string, host?: string): Promise<string> {
  const schema = await createSchema(url, prefix);
  const store = await openPostgresStore({ url, schema });
  await seedUser(store, 'alice', 'correct horse');
  await store.close();
  const databaseUrl = new URL(url);
  if (host !== undefined) databaseUrl.host = host;
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
  return databaseUrl.toString();
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
