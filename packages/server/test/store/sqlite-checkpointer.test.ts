import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/store/sqlite-checkpointer.js';
import { within } from '../support/eventually.js';

describe('startCheckpointer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-checkpoint-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A WAL database whose writer never checkpoints, holding about `kib` KiB in its WAL only. */
  function writerWithoutCheckpoints(path: string, kib: number): BetterSqlite3.Database {
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (x text)');
    const insert = db.prepare('insert into t values (?)');
    for (let i = 0; i < kib; i++) insert.run('x'.repeat(1024));
    return db;
  }

  it('copies what the writer committed from the WAL into the database file', async () => {
    const path = join(dir, 'db.sqlite');
    const writer = writerWithoutCheckpoints(path, 256);
    // Everything is still in the WAL: the database file holds no row yet.
    expect(statSync(path).size).toBeLessThan(64 * 1024);
    const failures: unknown[] = [];
    const checkpointer = startCheckpointer({ path, onFailure: (error) => failures.push(error) });
    try {
      await within(10_000, () => Promise.resolve(statSync(path).size > 256 * 1024));
    } finally {
      await checkpointer.stop();
    }
    expect(failures).toEqual([]);
    expect(writer.prepare('select count(*) as n from t').get()).toEqual({ n: 256 });
    writer.close();
  });

  it('reports a worker that cannot open the database, so the caller checkpoints again', async () => {
    const failures: unknown[] = [];
    const checkpointer = startCheckpointer({ path: dir, onFailure: (error) => failures.push(error) });
    await within(10_000, () => Promise.resolve(failures.length === 1));
    expect(failures[0]).toMatchObject({ code: 'SQLITE_CANTOPEN' });
    await checkpointer.stop();
  });
});
