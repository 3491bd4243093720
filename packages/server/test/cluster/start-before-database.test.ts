import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { within } from '../support/eventually.js';
import { startTessera, type TesseraProcess } from '../support/processes.js';
import { TEST_SECRET } from '../support/server.js';
import { createSeededDatabase } from '../support/stores.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const postgresUrl = inject('postgresUrl');
const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));
const UNAVAILABLE = {
  detail: 'The authentication store is unavailable. Try again shortly.',
  code: 'service_unavailable',
};

describe.runIf(postgresUrl !== null)('tessera started before its database', () => {
  let proxy: TcpProxy;
  let tessera: TesseraProcess;
  let databaseUrl: string;

  beforeAll(async () => {
    const real = new URL(postgresUrl!);
    proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    databaseUrl = await createSeededDatabase(postgresUrl!, 'early', `127.0.0.1:${proxy.port}`);
  });
  afterAll(async () => {
    await tessera?.stop();
    await proxy.close();
  });

  it('starts, answers 503 with Retry-After while the database is down, and serves once it is up', async () => {
    await proxy.refuse();
    tessera = await startTessera({ databaseUrl });
    const login = () =>
      fetch(`${tessera.baseUrl}/api/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'correct horse' }),
      });
    const down = await login();
    expect([down.status, await down.json(), down.headers.get('retry-after')]).toEqual([503, UNAVAILABLE, '2']);
    const ready = await fetch(`${tessera.baseUrl}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'unavailable', store: 'unavailable' }]);
    expect(tessera.output()).toContain('cannot reach the database');

    await proxy.restore();
    await within(10_000, async () => (await login()).status === 200);
    expect((await fetch(`${tessera.baseUrl}/readyz`)).status).toBe(200);
  });

  it.each([
    ['a role that does not exist', 'postgres://no_such_role@127.0.0.1:5432/postgres', 'no_such_role'],
    ['a database that does not exist', 'postgres://postgres@127.0.0.1:5432/no_such_database', 'no_such_database'],
    ['a host name that does not resolve', 'postgres://postgres@no-such-host.invalid:5432/postgres', 'no-such-host'],
  ])('still fails fast, saying why, with %s', (_case, url, named) => {
    const started = Date.now();
    const result = spawnSync(process.execPath, [BIN, 'serve'], {
      env: { PATH: process.env.PATH, PORT: '0', DATABASE_URL: url, TESSERA_SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stderr).toContain(named);
  });
});
