import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { TEST_SECRET } from '../support/server.js';
import { seedUser } from '../support/users.js';

const UNAVAILABLE = {
  detail: 'The authentication store is unavailable. Try again shortly.',
  code: 'service_unavailable',
};

/** A 2 MiB tmpfs: a disk that really fills. Mounting needs root, which the project's machines and CI have. */
function mountSmallDisk(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
  return dir;
}

describe('SQLite on a disk that fills up', () => {
  let disk: string;
  let store: Store;
  let app: FastifyInstance;
  const logged: Array<{ msg?: string; err?: { code?: string } }> = [];
  const login = () =>
    app.inject({ method: 'POST', url: '/api/token/', payload: { username: 'alice', password: 'correct horse' } });

  beforeAll(async () => {
    disk = mountSmallDisk();
    store = await openSqliteStore({ path: join(disk, 'tessera.sqlite'), backgroundCheckpoints: true });
    await seedUser(store, 'alice', 'correct horse');
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(JSON.parse(chunk.toString()) as (typeof logged)[number]);
        done();
      },
    });
    const config = resolveConfig({ TESSERA_SECRET_KEY: TEST_SECRET, TESSERA_RATE_LIMITS: 'off' });
    app = await buildApp({ config, secretKey: TEST_SECRET, store, logger: { level: 'warn', stream } });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    if (disk !== undefined) {
      execFileSync('umount', [disk]);
      rmSync(disk, { recursive: true, force: true });
    }
  });

  it('answers 503 with Retry-After, says why once, reports the store unready, and loses no acknowledged login', async () => {
    // Leave the database a little room, then let logins fill the rest (however large the schema has grown).
    const filler = join(disk, 'filler');
    const { bavail, bsize } = statfsSync(disk);
    writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 384 * 1024)));
    let acknowledged = 0;
    let refused = 0;
    for (let i = 0; i < 2000 && refused < 20; i++) {
      const response = await login();
      if (response.statusCode === 200) {
        acknowledged++;
        continue;
      }
      expect([response.statusCode, response.json(), response.headers['retry-after']]).toEqual([503, UNAVAILABLE, '2']);
      refused++;
    }
    expect(refused).toBe(20);
    expect(acknowledged).toBeGreaterThan(0);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([503, { status: 'unavailable', store: 'unavailable' }]);
    const outage = logged.filter((line) => line.msg === 'store unavailable');
    expect(outage.map((line) => line.err?.code)).toEqual(['SQLITE_FULL']);

    // Space comes back: the next login is served, and every acknowledged login is there.
    rmSync(filler);
    expect((await login()).statusCode).toBe(200);
    const alice = await store.findUserByUsername('alice');
    expect((await store.listSessions(alice!.id)).length).toBe(acknowledged + 1);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
