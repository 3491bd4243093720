import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseLocation } from '../config.js';

/** The Django tables the import reads, as Kysely sees them; values as either driver returns them. */
export interface DjangoDatabase {
  auth_user: {
    id: number;
    username: string;
    password: string;
    email: string;
    first_name: string;
    last_name: string;
    is_active: number | boolean;
    is_staff: number | boolean;
    is_superuser: number | boolean;
    last_login: string | Date | null;
    date_joined: string | Date;
  };
  auth_user_groups: { user_id: number; group_id: number };
  auth_group_permissions: { group_id: number; permission_id: number };
  auth_user_user_permissions: { user_id: number; permission_id: number };
  auth_permission: { id: number; content_type_id: number; codename: string };
  django_content_type: { id: number; app_label: string };
  token_blacklist_outstandingtoken: { id: number; jti: string; expires_at: string | Date };
  token_blacklist_blacklistedtoken: { id: number; token_id: number };
  authtoken_token: { key: string; user_id: number; created: string | Date };
}

/** A Django database opened for reading. */
export interface DjangoSource {
  readonly db: Kysely<DjangoDatabase>;
  /** The columns of `table`, empty when there is no such table. */
  columnsOf(table: string): Promise<Set<string>>;
  close(): Promise<void>;
}

/** How long the import waits for PostgreSQL to connect, or for one query. */
const CONNECT_TIMEOUT_MS = 5000;
const QUERY_TIMEOUT_MS = 60_000;
const INT8_OID = 20;

/** Not a Django database, or not one tessera can read: the message says what is wrong. */
export class DjangoSourceError extends Error {
  override name = 'DjangoSourceError';
}

/**
 * Opens the Django database at `location` for reading: a SQLite file
 * read-only (it must exist), or PostgreSQL through one connection.
 *
 * @example
 * ```ts
 * const source = await openDjangoSource({ kind: 'sqlite', path: './db.sqlite3' });
 * const columns = await source.columnsOf('auth_user');
 * await source.close();
 * ```
 */
export async function openDjangoSource(location: DatabaseLocation): Promise<DjangoSource> {
  if (location.kind === 'sqlite') {
    let connection: BetterSqlite3.Database;
    try {
      connection = new BetterSqlite3(location.path, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new DjangoSourceError(`cannot open the Django database ${location.path}: ${messageOf(error)}`);
    }
    const db = new Kysely<DjangoDatabase>({ dialect: new SqliteDialect({ database: connection }) });
    return {
      db,
      async columnsOf(table) {
        const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
        return new Set(rows.map(({ name }) => name));
      },
      close: () => db.destroy(),
    };
  }
  const pool = new pg.Pool({
    connectionString: location.url,
    max: 1,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: QUERY_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS + 1000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? Number : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => undefined);
  const db = new Kysely<DjangoDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new DjangoSourceError(`cannot reach the Django database: ${messageOf(error)}`);
  }
  return {
    db,
    async columnsOf(table) {
      // The schema unqualified names resolve to, as Django's own queries see them.
      const { rows } = await sql<{ name: string }>`
        select column_name as name from information_schema.columns
        where table_schema = current_schema() and table_name = ${table}`.execute(db);
      return new Set(rows.map(({ name }) => name));
    },
    close: () => db.destroy(),
  };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
