import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteConnection, sqliteKysely } from '../../src/store/sqlite.js';

describe('sqliteKysely', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('begins transactions IMMEDIATE: one that reads first is never refused its write by another process', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-'));
    const path = join(dir, 'db.sqlite3');
    const db = sqliteKysely(openSqliteConnection(path));
    await sql`CREATE TABLE t (n INTEGER)`.execute(db);
    // Another process's connection, which would not wait.
    const other = new BetterSqlite3(path);
    other.pragma('busy_timeout = 0');
    let otherWrote = true;
    await db.transaction().execute(async (trx) => {
      await sql`SELECT count(*) FROM t`.execute(trx);
      try {
        other.prepare('INSERT INTO t VALUES (2)').run();
      } catch (error) {
        expect((error as { code?: string }).code).toBe('SQLITE_BUSY');
        otherWrote = false;
      }
      // Deferred, this write would fail with SQLITE_BUSY_SNAPSHOT: the other connection committed after the read.
      await sql`INSERT INTO t VALUES (1)`.execute(trx);
    });
    expect(otherWrote).toBe(false);
    expect(other.prepare('SELECT n FROM t').all()).toEqual([{ n: 1 }]);
    other.close();
    await db.destroy();
  });
});
