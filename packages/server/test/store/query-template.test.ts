import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { queryTemplate, type Params } from '../../src/store/query-template.js';
import type { Database } from '../../src/store/schema.js';

describe('queryTemplate', () => {
  const sqlite = new BetterSqlite3(':memory:');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  sqlite.exec('create table users (id integer primary key, username text, is_active integer)');
  afterEach(() => sqlite.exec('delete from users'));

  it('runs the compiled SQL with each named value in its place, and the constants of the query in theirs', async () => {
    sqlite.exec("insert into users values (1, 'alice', 1), (2, 'bob', 0), (3, 'carol', 1)");
    const active = queryTemplate(db, (p: Params<'low' | 'high'>) =>
      db
        .selectFrom('users')
        .select(['id', 'username'])
        .where('id', '>=', p.low)
        .where('is_active', '=', 1)
        .where('id', '<=', p.high)
        .orderBy('id'),
    );
    expect((await active.run(db, { low: 1, high: 3 })).rows).toEqual([
      { id: 1, username: 'alice' },
      { id: 3, username: 'carol' },
    ]);
    expect((await active.run(db, { low: 2, high: 3 })).rows).toEqual([{ id: 3, username: 'carol' }]);
  });

  it('writes through a transaction it is given', async () => {
    const insert = queryTemplate(db, (p: Params<'id' | 'name'>) =>
      db.insertInto('users').values({ id: p.id, username: p.name, is_active: 1 } as never),
    );
    await expect(
      db.transaction().execute(async (trx) => {
        await insert.run(trx, { id: 7, name: 'dave' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await insert.run(db, { id: 8, name: 'erin' });
    expect(sqlite.prepare('select id, username from users').all()).toEqual([{ id: 8, username: 'erin' }]);
  });

  it('refuses an undefined value, which Kysely would have left out of the SQL', () => {
    const byId = queryTemplate(db, (p: Params<'id'>) => db.selectFrom('users').selectAll().where('id', '=', p.id));
    expect(() => byId.run(db, { id: undefined })).toThrow(new TypeError('query parameter id is undefined'));
  });
});
