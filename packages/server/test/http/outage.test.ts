import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { accessRefused } from '../support/answers.js';
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

  it('a connection that goes silent mid-rotation is discarded: 503 within 5 s, and the retry rotates as if nothing happened', async () => {
    const pair = (await login()).json<{ refresh: string }>();
    const refresh = () =>
      app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh: pair.refresh } });
    // The claim, which opens PostgreSQL's one-statement rotation.
    const stalled = proxy.stallAfter('update refresh_tokens set used_at');
    const started = Date.now();
    const first = refresh();
    await stalled;
    const answer = await first;
    expect(Date.now() - started).toBeLessThan(5000);
    expect([answer.statusCode, answer.json(), answer.headers['retry-after']]).toEqual([503, UNAVAILABLE, '2']);

    // The network comes back with the held UPDATE's answer; nothing may commit it now.
    proxy.resume();
    const retried = await refresh();
    expect(retried.statusCode).toBe(200);
    const next = await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      payload: { refresh: retried.json<{ refresh: string }>().refresh },
    });
    expect(next.statusCode).toBe(200);
    const { records } = await server.store.listAudit({ limit: 50, offset: 0 });
    expect(records.filter((record) => record.event === 'refresh_token_reuse')).toEqual([]);
  });

  it('serves sessions it knows from memory while the database is down, until their access tokens expire', async () => {
    const { access } = (await login()).json<{ access: string }>();
    const profile = () =>
      app.inject({ method: 'GET', url: '/api/profile/', headers: { authorization: `Bearer ${access}` } });
    expect((await profile()).statusCode).toBe(200);
    await proxy.refuse();
    // Past the cache's re-read: the read fails, and the session is served as last read.
    server.clock.advance(31);
    const during = await profile();
    expect([during.statusCode, during.json<{ username: string }>().username]).toEqual([200, 'alice']);
    server.clock.advance(300);
    const expired = await profile();
    expect([expired.statusCode, expired.json()]).toEqual([401, accessRefused('Token is expired')]);
    await proxy.restore();
  });
});
