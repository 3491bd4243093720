import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * tessera's schema history. Append only: a released migration never changes.
 * Column types differ per dialect only where they must (identity, 64-bit times).
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('username', 'varchar(150)', (c) => c.notNull().unique())
          .addColumn('password', 'varchar(256)', (c) => c.notNull())
          .addColumn('email', 'varchar(254)', (c) => c.notNull().defaultTo(''))
          .addColumn('first_name', 'varchar(150)', (c) => c.notNull().defaultTo(''))
          .addColumn('last_name', 'varchar(150)', (c) => c.notNull().defaultTo(''))
          .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('is_staff', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('is_superuser', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('last_login', time)
          .addColumn('date_joined', time, (c) => c.notNull())
          .addColumn('role', 'varchar(64)', (c) => c.notNull().defaultTo('viewer'))
          .addColumn('permissions', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id', 'char(32)', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('last_used_at', time, (c) => c.notNull())
          .addColumn('revoked_at', time)
          .addColumn('revoke_reason', 'varchar(32)')
          .addColumn('ip', 'varchar(64)', (c) => c.notNull().defaultTo(''))
          .addColumn('user_agent', 'varchar(512)', (c) => c.notNull().defaultTo(''))
          .execute();
        await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

        await db.schema
          .createTable('refresh_tokens')
          .addColumn('jti', 'char(32)', (c) => c.primaryKey())
          .addColumn('session_id', 'char(32)', (c) => c.notNull())
          .addColumn('parent_jti', 'char(32)')
          .addColumn('issued_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('used_at', time)
          .execute();
        await db.schema.createIndex('refresh_tokens_session_id').on('refresh_tokens').column('session_id').execute();
        await db.schema.createIndex('refresh_tokens_expires_at').on('refresh_tokens').column('expires_at').execute();
      },
    },
    '0002_revocations': {
      // An append-only log of revocations, read by every instance to drop what it cached.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('revocations')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('kind', 'varchar(16)', (c) => c.notNull())
          .addColumn('target', 'varchar(32)', (c) => c.notNull())
          .addColumn('at', time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('revocations_at').on('revocations').column('at').execute();
      },
    },
    '0003_audit_log': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('audit_log')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('at', time, (c) => c.notNull())
          .addColumn('event', 'varchar(32)', (c) => c.notNull())
          .addColumn('user_id', 'integer')
          .addColumn('username', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
          .addColumn('session_id', 'char(32)')
          .addColumn('ip', 'varchar(64)', (c) => c.notNull().defaultTo(''))
          .addColumn('user_agent', 'varchar(2048)', (c) => c.notNull().defaultTo(''))
          .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
          .execute();
        await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
        await db.schema.createIndex('audit_log_user_id').on('audit_log').columns(['user_id', 'at']).execute();
        await db.schema.createIndex('audit_log_username').on('audit_log').columns(['username', 'at']).execute();
      },
    },
    '0004_signing_keys': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('signing_keys')
          .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('algorithm', 'varchar(8)', (c) => c.notNull())
          .addColumn('public_jwk', 'text')
          .addColumn('private_key', 'text')
          .addColumn('state', 'varchar(8)', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('activated_at', time)
          .addColumn('retired_at', time)
          .addColumn('revoked_at', time)
          .execute();
        // At most one next and one current key: two instances making either at once cannot both succeed.
        await db.schema
          .createIndex('signing_keys_one_next_one_current')
          .unique()
          .on('signing_keys')
          .column('state')
          .where(sql.ref('state'), 'in', ['next', 'current'])
          .execute();
        // The log names keys by kid: a thumbprint is 43 characters.
        if (dialect === 'postgres') {
          await db.schema
            .alterTable('revocations')
            .alterColumn('target', (c) => c.setDataType('varchar(64)'))
            .execute();
        }
      },
    },
    '0005_services': {
      // The revocation feed: the services that may read it, and how far pruning has taken the log.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('services')
          .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('secret_hash', 'char(64)', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('revoked_at', time)
          .execute();
        await db.schema
          .createTable('revocations_pruned')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('through', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull())
          .execute();
      },
    },
    '0006_django_import': {
      // `tessera import django`: per imported user, the Django hash last brought in, so that a second
      // import can tell a password changed in tessera since (kept) from one still as imported.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('django_imported_users')
          .addColumn('user_id', 'integer', (c) => c.primaryKey())
          .addColumn('password', 'varchar(256)', (c) => c.notNull())
          .addColumn('imported_at', time, (c) => c.notNull())
          .execute();
        // SimpleJWT's blacklist as the import brings it: ids and expiry, never the tokens (Django keeps them whole).
        await db.schema
          .createTable('simplejwt_blacklist')
          .addColumn('jti', 'varchar(255)', (c) => c.primaryKey())
          .addColumn('expires_at', time, (c) => c.notNull())
          .execute();
        // DRF's authtoken keys (seed 002's legacy clients), by a SHA-256 of the key: never the key itself.
        await db.schema
          .createTable('drf_tokens')
          .addColumn('key_hash', 'char(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('simplejwt_blacklist_expires_at')
          .on('simplejwt_blacklist')
          .column('expires_at')
          .execute();
      },
    },
    '0007_mail': {
      // The mail outbox (messages committed with the change that causes them) and password reset tokens.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('mail_outbox')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('kind', 'varchar(32)', (c) => c.notNull())
          .addColumn('recipient', 'varchar(254)', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('status', 'varchar(8)', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', time, (c) => c.notNull())
          .addColumn('last_error', 'varchar(512)')
          .addColumn('sent_at', time)
          .execute();
        await db.schema
          .createIndex('mail_outbox_due')
          .on('mail_outbox')
          .columns(['status', 'next_attempt_at'])
          .execute();
        await db.schema
          .createTable('password_resets')
          .addColumn('token_hash', 'char(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('binding', 'char(64)', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('used_at', time)
          .execute();
        await db.schema.createIndex('password_resets_user_id').on('password_resets').column('user_id').execute();
        await db.schema.createIndex('password_resets_expires_at').on('password_resets').column('expires_at').execute();
        // Verified addresses: a change of address waits in pending_email until the new one is verified.
        await db.schema
          .alterTable('users')
          .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable('users')
          .addColumn('pending_email', 'varchar(254)', (c) => c.notNull().defaultTo(''))
          .execute();
        await db.schema
          .createTable('email_verifications')
          .addColumn('token_hash', 'char(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('email', 'varchar(254)', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('used_at', time)
          .execute();
        await db.schema
          .createIndex('email_verifications_user_id')
          .on('email_verifications')
          .column('user_id')
          .execute();
        await db.schema
          .createIndex('users_pending_email_lower')
          .on('users')
          .expression(sql`lower(pending_email)`)
          .execute();
        // A reset finds accounts by address, as Django does: case-insensitively.
        await db.schema
          .createIndex('users_email_lower')
          .on('users')
          .expression(sql`lower(email)`)
          .execute();
      },
    },
    '0008_admin_user_indexes': {
      // The admin API's user list pages by id: each filter an index ending in id, so a page is read
      // along it at any depth. Partial for the rare flags (staff, superusers, inactive accounts).
      async up(db: Kysely<unknown>) {
        await db.schema.createIndex('users_role_id').on('users').columns(['role', 'id']).execute();
        const partial = async (name: string, column: string, value: 0 | 1) => {
          await db.schema
            .createIndex(name)
            .on('users')
            .column('id')
            .where(sql.ref(column), '=', sql.lit(value))
            .execute();
        };
        await partial('users_staff_id', 'is_staff', 1);
        await partial('users_superuser_id', 'is_superuser', 1);
        await partial('users_inactive_id', 'is_active', 0);
      },
    },
    '0009_dpop': {
      // Device-bound sessions (RFC 9449): the key a session is bound to, and the proofs already seen.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('sessions').addColumn('dpop_jkt', 'varchar(64)').execute();
        await db.schema
          .createTable('dpop_proofs')
          .addColumn('id', 'char(64)', (c) => c.primaryKey())
          .addColumn('expires_at', time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('dpop_proofs_expires_at').on('dpop_proofs').column('expires_at').execute();
      },
    },
    '0010_user_search_trigrams': {
      // The admin user search is a substring match: on PostgreSQL, trigram GIN indexes find a rare term
      // without reading every row. Only where pg_trgm can be had; without it, search reads the primary key.
      async up(db: Kysely<unknown>) {
        if (dialect !== 'postgres') return;
        const schema = await trigramSchema(db);
        if (schema === undefined) return;
        for (const column of USER_SEARCH_COLUMNS) {
          await sql`create index ${sql.id(`users_${column}_trgm`)} on users
                    using gin (lower(${sql.ref(column)}) ${sql.id(schema, 'gin_trgm_ops')})`.execute(db);
        }
      },
    },
  };
}

/** The columns the admin user search matches, each with a trigram index on PostgreSQL (0010). */
const USER_SEARCH_COLUMNS = ['username', 'email', 'first_name', 'last_name'] as const;

/**
 * The schema pg_trgm lives in, installing it (in `public`, so that no
 * tenant schema's drop takes it along) when the server offers it and the
 * role may; undefined when it cannot be had. Runs in the migration's
 * transaction: a refused CREATE EXTENSION rolls back to a savepoint only,
 * and an advisory lock keeps two schemas migrating at once from racing to
 * create it.
 */
async function trigramSchema(db: Kysely<unknown>): Promise<string | undefined> {
  const installed = async () =>
    (
      await sql<{ schema: string }>`select n.nspname as schema from pg_extension e
        join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db)
    ).rows[0]?.schema;
  await sql`select pg_advisory_xact_lock(hashtext('tessera: create extension pg_trgm'))`.execute(db);
  const found = await installed();
  if (found !== undefined) return found;
  const { rows } = await sql<{
    available: boolean;
    has_public: boolean;
  }>`select exists (select 1 from pg_available_extensions where name = 'pg_trgm') as available,
            exists (select 1 from pg_namespace where nspname = 'public') as has_public`.execute(db);
  if (rows[0]?.available !== true) return undefined;
  await sql`savepoint tessera_pg_trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm ${sql.raw(rows[0].has_public ? 'with schema public' : '')}`.execute(
      db,
    );
    await sql`release savepoint tessera_pg_trgm`.execute(db);
  } catch {
    // Not allowed to (no CREATE on the database): search still works, unindexed.
    await sql`rollback to savepoint tessera_pg_trgm`.execute(db);
    return undefined;
  }
  return installed();
}

/**
 * Brings the schema up to date. Safe to run from several processes at once:
 * Kysely's migrator takes a lock.
 * @throws when a migration fails; the failed one is rolled back.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: Dialect,
  schema?: string,
): Promise<MigrationResultSet> {
  const all = migrations(dialect);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(all) },
    // Kysely looks for its own tables across every schema unless told which.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined)
    throw result.error instanceof Error ? result.error : new Error('migration failed', { cause: result.error });
  return result;
}
