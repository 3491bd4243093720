import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { within } from '../support/eventually.js';
import { createSchema } from '../support/stores.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const UNAVAILABLE = {
  detail: 'The authentication store is unavailable. Try again shortly.',
  code: 'service_unavailable',
};
const postgresUrl = inject('postgresUrl');

describe.runIf(postgresUrl !== null)('PostgreSQL outages, through a proxy the test cuts', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let app: FastifyInstance;
  const login = () =>
    app.inject({ method: 'POST', url: '/api/token/', payload: { username: 'alice', password: 'correct horse' } });

  beforeAll(async () => {
    const real = new URL(postgresUrl!);
    proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    const viaProxy = new URL(postgresUrl!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const schema = await createSchema(postgresUrl!, 'outage');
    const store = await openPostgresStore({ url: viaProxy.toString(), schema, poolSize: 2 });
    server = await createTestServer({}, { store });
    await server.createUser('alice', 'correct horse');
    app = server.app;
  });
  afterAll(async () => {
    await proxy.restore();
    await server.close();
    await proxy.close();
  });

  it('answers 503 with Retry-After while the database refuses connections, and recovers within 2 s', async () => {
    expect((await login()).statusCode).toBe(200);
    await proxy.refuse();
    const started = Date.now();
    const down = await login();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual(UNAVAILABLE);
    expect(down.headers['retry-after']).toBe('2');
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await proxy.restore();
    await within(2000, async () => (await login()).statusCode === 200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok', store: 'ok' });
  });

  it('answers 503 within 5 s when the network swallows everything, then recovers', async () => {
    proxy.hang();
    const started = Date.now();
    const responses = await Promise.all([login(), login(), login()]);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const response of responses) expect(response.json()).toEqual(UNAVAILABLE);
    await proxy.restore();
    await within(2000, async () => (await login()).statusCode === 200);
  });
});
