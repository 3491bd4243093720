import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrations.js';
import type { Database } from '../../src/store/schema.js';
import type { UserSearch } from '../../src/store/types.js';
import { userCountQuery, userPageQuery } from '../../src/store/user-admin.js';
import { createSchema } from '../support/stores.js';

/**
 * The admin API's user pages read along an index whatever the filter and
 * however deep the page: the plans each database chooses, over 20,000 users.
 */
const PAGES: Array<[string, UserSearch, string]> = [
  ['the first page', { limit: 50 }, 'users_pkey'],
  ['a deep page', { limit: 50, after: 15_000 }, 'users_pkey'],
  ['a page backward', { limit: 50, before: 15_000 }, 'users_pkey'],
  ['staff', { limit: 50, isStaff: true, after: 100 }, 'users_staff_id'],
  ['superusers', { limit: 50, isSuperuser: true }, 'users_superuser_id'],
  ['inactive users', { limit: 50, isActive: false, after: 100 }, 'users_inactive_id'],
  ['a role', { limit: 50, role: 'editor', after: 100 }, 'users_role_id'],
];
const USERS = 20_000;

async function seed(db: Kysely<Database>, series: string): Promise<void> {
  // Every 1000th user staff, every 997th a superuser, every 50th inactive, every 10th an editor.
  await sql
    .raw(
      `insert into users (username, password, email, is_active, is_staff, is_superuser, date_joined, role)
       select 'user' || n, '!', 'user' || n || '@example.com', case when n % 50 = 0 then 0 else 1 end,
              case when n % 1000 = 0 then 1 else 0 end, case when n % 997 = 0 then 1 else 0 end, 0,
              case when n % 10 = 0 then 'editor' else 'viewer' end
       from ${series}`,
    )
    .execute(db);
}

describe('the user search plan: sqlite', () => {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  beforeAll(async () => {
    await migrateToLatest(db as Kysely<unknown>, 'sqlite');
    await seed(
      db,
      `(with recursive s(n) as (select 1 union all select n + 1 from s where n < ${USERS}) select n from s)`,
    );
    await sql`analyze`.execute(db);
  });
  afterAll(() => db.destroy());

  const plan = async (query: CompiledQuery) =>
    (await sql<{ detail: string }>`explain query plan ${sql.raw(inline(query))}`.execute(db)).rows.map((r) => r.detail);

  it.each(PAGES)('reads %s along %s, never sorting', async (_name, search, index) => {
    const steps = (await plan(userPageQuery(db, search).compile())).join('; ');
    const counting = (await plan(userCountQuery(db, search, 10_000).compile())).join('; ');
    // SQLite's table is the rowid's B-tree: unfiltered, a page walks it from the cursor and stops at the limit.
    const expected =
      index === 'users_pkey'
        ? /^SCAN users$|^SEARCH users USING INTEGER PRIMARY KEY \(rowid[<>]\?\)$/
        : new RegExp(`^(SEARCH|SCAN) users USING INDEX ${index}\\b`);
    expect(steps).toMatch(expected);
    expect(steps).not.toMatch(/TEMP B-TREE/);
    // The capped count reads the same index (SQLite may prefer a covering one for an unfiltered count).
    expect(counting).toMatch(
      index === 'users_pkey'
        ? /users USING (COVERING INDEX|INTEGER PRIMARY KEY)|SCAN users/
        : new RegExp(`INDEX ${index}\\b`),
    );
  });
});

const postgresUrl = inject('postgresUrl');
describe.skipIf(postgresUrl === null)('the user search plan: postgres', () => {
  let db: Kysely<Database>;
  beforeAll(async () => {
    const schema = await createSchema(postgresUrl!, 'plan');
    db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: postgresUrl!, max: 1, options: `-c search_path=${schema}` }),
      }),
    });
    await migrateToLatest(db as Kysely<unknown>, 'postgres', schema);
    await seed(db, `generate_series(1, ${USERS}) as n`);
    await sql`analyze users`.execute(db);
  });
  afterAll(() => db.destroy());
  const explain = async (query: CompiledQuery) =>
    (await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(inline(query))}`.execute(db)).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n');

  it.each(PAGES)(
    'reads %s along %s, never scanning the table or sorting; counts no further than the limit',
    async (_name, search, index) => {
      const steps = await explain(userPageQuery(db, search).compile());
      expect(steps).toMatch(new RegExp(`Index (Only )?Scan( Backward)? using ${index} on users`));
      expect(steps).not.toMatch(/Seq Scan|Sort/);
      // The count stops at its limit, whichever way PostgreSQL reads the matches.
      const counting = await explain(userCountQuery(db, search, 10_000).compile());
      expect(counting).toMatch(/^Aggregate.*\n\s+->\s+Limit /);
      expect(counting).not.toMatch(/Sort/);
    },
  );

  // A rare term (one user of 20,000) can be looked up in the trigram indexes (migration 0010): their
  // expressions match the search's. 20,000 rows are few enough for PostgreSQL to read them all instead,
  // so the test forbids that (and walking the primary key); bench/scale.mjs shows the plan it picks by itself over 1M users.
  it('can find a rare search term in the trigram indexes, without reading the table', async () => {
    const search: UserSearch = { limit: 50, search: 'user19999' };
    await sql`set enable_seqscan = off; set enable_indexscan = off`.execute(db);
    const steps = await explain(userPageQuery(db, search).compile()).finally(() => sql`reset all`.execute(db));
    for (const column of ['username', 'email', 'first_name', 'last_name']) {
      expect(steps).toContain(`Bitmap Index Scan on users_${column}_trgm`);
    }
    expect(steps).not.toMatch(/Seq Scan/);
  });

  it('reads a common search term along the primary key, as far as the page needs', async () => {
    const steps = await explain(userPageQuery(db, { limit: 50, search: 'user' }).compile());
    expect(steps).toMatch(/Index Scan using users_pkey on users/);
    expect(steps).not.toMatch(/Seq Scan|Sort/);
  });
});

/** The query with its parameters written in, for EXPLAIN (numbers and simple strings only). */
function inline({ sql: text, parameters }: Pick<CompiledQuery, 'sql' | 'parameters'>): string {
  const values = parameters.map((value) => (typeof value === 'number' ? String(value) : `'${String(value)}'`));
  return text.replace(/\$(\d+)|\?/g, (match, index?: string) =>
    index === undefined ? values.shift()! : values[Number(index) - 1]!,
  );
}
