import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createKyselyStore } from './kysely-store.js';
import { discardingBrokenConnections } from './postgres-pool.js';
import { rotateInOneStatement, startSessionInOneStatement } from './postgres-writes.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import type { Store } from './types.js';
import { StoreUnavailableError, guardAvailability } from './unavailable.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/db` */
  url: string;
  /** Run migrations on open (the server does; `tessera migrate` does it alone). */
  migrate?: boolean;
  /** Connections in the pool. */
  poolSize?: number;
  /**
   * A schema to use instead of `public` (tests isolate themselves this way);
   * `?options=-c%20search_path%3Dname` in the URL does the same.
   */
  schema?: string;
}

/** How long a request may wait for a connection, and a statement may run, before 503. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 2000;
export const POSTGRES_STATEMENT_TIMEOUT_MS = 3000;

const INT8_OID = 20;
// Times are bigint milliseconds: well inside Number's exact range.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? Number : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
};

/**
 * PostgreSQL through Kysely's pg dialect. Timeouts bound every request: a
 * database that is down makes requests fail fast with 503 rather than hang,
 * and the pool reconnects on its own when the database returns.
 */
export async function openPostgresStore({
  url,
  migrate = true,
  poolSize = 10,
  schema,
}: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    statement_timeout: POSTGRES_STATEMENT_TIMEOUT_MS,
    query_timeout: POSTGRES_STATEMENT_TIMEOUT_MS + 500,
    idleTimeoutMillis: 30_000,
    types,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // A client losing its server must not crash the process: the query in
  // flight fails (503) and the pool replaces the client.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: discardingBrokenConnections(pool, isUnavailable) }),
  });
  try {
    if (migrate) await migrateToLatest(db as Kysely<unknown>, 'postgres', await currentSchema(db));
  } catch (error) {
    await db.destroy();
    throw isUnavailable(error) ? new StoreUnavailableError({ cause: error }) : error;
  }
  const store = createKyselyStore(db, isUniqueViolation, () => db.destroy(), {
    orderRevocationLog: revocationLogLock,
    lockSuperusers,
    afterExplicitUserIds: followImportedUserIds,
    rotateInOneStatement,
    startSessionInOneStatement,
    // PostgreSQL commits concurrently: a batch per connection, leaving two
    // for the reads every request makes (a refresh reads its token first).
    rotationBatchesInFlight: Math.max(1, poolSize - 2),
  });
  return guardAvailability(store, isUnavailable);
}

/** The advisory lock that orders the revocation log's writers ("tessera revocations"). */
const REVOCATION_LOG_LOCK = 0x7465_7373_7265_76n;

/**
 * Serialises the transactions that append to the revocation log, until
 * each commits. Without it, a sequence hands out ids in insert order while
 * transactions commit in any order: a reader at id 11 could have read past
 * id 10 before 10 committed, and never see it (observed: one in 400
 * concurrent revocations missed). With it, ids commit in order, and a reader
 * following ids misses nothing. Revocations are rare next to logins and
 * refreshes, and hold the lock for their commit only.
 */
async function revocationLogLock(executor: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${REVOCATION_LOG_LOCK})`.execute(executor);
}

/** Moves the users' id sequence past ids inserted as given (by `tessera import django`). */
async function followImportedUserIds(executor: Kysely<Database>): Promise<void> {
  await sql`select setval(pg_get_serial_sequence('users', 'id'), (select max(id) from users))`.execute(executor);
}

/** Locks the active superusers' rows until the commit: see `lockSuperusers` in user-admin.ts. */
async function lockSuperusers(executor: Kysely<Database>): Promise<void> {
  await sql`select id from users where is_superuser = 1 and is_active = 1 order by id for update`.execute(executor);
}

/** The schema unqualified names resolve to (`search_path` may come from the URL's `options`). */
async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null) {
    throw new Error('PostgreSQL has no current schema: the schemas in search_path do not exist.');
  }
  return schema;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

/** Connection failures, timeouts and server shutdowns: worth a retry later. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Network errors from Node, and PostgreSQL classes 08 (connection), 57P (shutdown), 53 (resources).
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN)$/.test(code)) return true;
    if (/^(08|57P|53)/.test(code) || code === '57014') return true;
  }
  return /timeout|Connection terminated|connection is closed|Client has encountered a connection error/i.test(
    error.message,
  );
}
