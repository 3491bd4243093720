import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/store/sqlite-statements.js';

describe('withStatementCache', () => {
  it('prepares each SQL text once and reuses the statement', () => {
    const database = new BetterSqlite3(':memory:');
    const prepared: string[] = [];
    const counting = {
      inTransaction: false,
      close: () => database.close(),
      prepare: (sql: string) => (prepared.push(sql), database.prepare(sql)),
    };
    const cached = withStatementCache(counting);
    const first = cached.prepare('select ? as x');
    expect(cached.prepare('select ? as x')).toBe(first);
    expect(first.all([1])).toEqual([{ x: 1 }]);
    expect(cached.prepare('select ? as x').all([2])).toEqual([{ x: 2 }]);
    expect(prepared).toEqual(['select ? as x']);
    cached.close();
  });

  it('keeps at most the given number of statements, dropping the oldest', () => {
    const database = new BetterSqlite3(':memory:');
    const prepared: string[] = [];
    const cached = withStatementCache(
      {
        inTransaction: false,
        close: () => database.close(),
        prepare: (sql: string) => (prepared.push(sql), database.prepare(sql)),
      },
      2,
    );
    for (const sql of ['select 1', 'select 2', 'select 3', 'select 3', 'select 1']) cached.prepare(sql);
    expect(prepared).toEqual(['select 1', 'select 2', 'select 3', 'select 1']);
    cached.close();
  });

  it('skips a rollback when SQLite has already rolled the transaction back, and runs it when one is open', () => {
    const database = new BetterSqlite3(':memory:');
    const cached = withStatementCache(database);
    expect(cached.prepare('rollback').run([])).toEqual({ changes: 0, lastInsertRowid: 0 });
    cached.prepare('begin').run([]);
    expect(database.inTransaction).toBe(true);
    cached.prepare('rollback').run([]);
    expect(database.inTransaction).toBe(false);
    cached.close();
  });
});
