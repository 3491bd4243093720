import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteConnection } from '../../src/store/sqlite.js';

describe('openSqliteConnection', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens in WAL mode, synchronous=NORMAL, with a 5 s busy timeout and a 2 MiB page cache', () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-'));
    const connection = openSqliteConnection(join(dir, 'db.sqlite3'));
    const read = (pragma: string): unknown => connection.pragma(pragma, { simple: true });
    expect(read('journal_mode')).toBe('wal');
    expect(read('synchronous')).toBe(1);
    expect(read('busy_timeout')).toBe(5000);
    // better-sqlite3's build default would be -16000 (16 MiB).
    expect(read('cache_size')).toBe(-2000);
    connection.close();
  });
});
