import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { within } from '../support/eventually.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl !== null)('a Redis that keeps its connections open and stops answering', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  const login = () => server.post('/api/token/', { username: 'alice', password: 'correct horse' });
  const readiness = async () => (await server.app.inject({ method: 'GET', url: '/readyz' })).json<object>();

  beforeAll(async () => {
    const real = new URL(redisUrl!);
    proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 6379) });
    // Rate limits on, counted in Redis: every login asks Redis first.
    server = await createTestServer({
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      TESSERA_RATE_LIMITS: 'obtain=1000/minute,refresh=1000/minute',
    });
    await server.createUser('alice', 'correct horse');
    await within(2000, async () => JSON.stringify(await readiness()).includes('"redis":"ok"'));
  });
  afterAll(async () => {
    proxy.resume();
    await server.close();
    await proxy.close();
  });

  it('delays no login or refresh past its command timeouts, and readiness says Redis is degraded', async () => {
    expect((await login()).statusCode).toBe(200);
    proxy.silence();

    const started = Date.now();
    const pair = await login();
    expect(pair.statusCode).toBe(200);
    const refreshed = await server.post('/api/token/refresh/', { refresh: pair.json<{ refresh: string }>().refresh });
    expect(refreshed.statusCode).toBe(200);
    // Two counters for the login, one for the refresh, each given up after 200 ms.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await readiness()).toEqual({ status: 'ok', store: 'ok', redis: 'degraded' });

    proxy.resume();
    await within(2000, async () => JSON.stringify(await readiness()).includes('"redis":"ok"'));
    expect((await login()).statusCode).toBe(200);
  });
});
