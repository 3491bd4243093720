// A database of the crash test's own, seeded with users, for one dialect.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import type { DialectName } from '../support/stores.js';
import { seedUser } from '../support/users.js';

/** Where a `tessera serve` finds the data, and how to throw it away. */
export interface CrashDatabase {
  /** DATABASE_URL for the server. */
  readonly url: string;
  /** A scratch directory, the server's working directory (and the SQLite file's home). */
  readonly dir: string;
  /** Removes the directory and, on PostgreSQL, drops the database. Idempotent. */
  drop(): Promise<void>;
}

/**
 * A fresh database with `usernames` as active users sharing `password`:
 * SQLite in a file in a temporary directory; PostgreSQL as a database of its
 * own (DATABASE_URL takes no schema) created next to `postgresUrl`'s.
 */
export async function createCrashDatabase(
  dialect: DialectName,
  postgresUrl: string | null,
  usernames: readonly string[],
  password: string,
): Promise<CrashDatabase> {
  const dir = await mkdtemp(join(tmpdir(), `tessera-crash-${dialect}-`));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    if (dialect === 'sqlite') {
      const path = join(dir, 'tessera.sqlite');
      await seed(await openSqliteStore({ path }), usernames, password);
      return { url: `sqlite:${path}`, dir, drop: removeDir };
    }
    if (postgresUrl === null) throw new Error('PostgreSQL is not available in this run');
    return await createPostgresDatabase(postgresUrl, dir, removeDir, usernames, password);
  } catch (error) {
    await removeDir();
    throw error;
  }
}

async function createPostgresDatabase(
  postgresUrl: string,
  dir: string,
  removeDir: () => Promise<void>,
  usernames: readonly string[],
  password: string,
): Promise<CrashDatabase> {
  const name = `tessera_crash_${randomBytes(6).toString('hex')}`;
  const adminUrl = new URL(postgresUrl);
  adminUrl.pathname = '/postgres';
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  let dropped = false;
  const drop = async () => {
    if (!dropped) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    dropped = true;
    await removeDir();
  };
  await admin(`CREATE DATABASE ${name}`);
  try {
    await seed(await openPostgresStore({ url: url.toString(), poolSize: 2 }), usernames, password);
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: url.toString(), dir, drop };
}

/** Creates the users, then closes the store so that only the server holds the database. */
async function seed(store: Store, usernames: readonly string[], password: string): Promise<void> {
  try {
    for (const username of usernames) await seedUser(store, username, password);
  } finally {
    await store.close();
  }
}
