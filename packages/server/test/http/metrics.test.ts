import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForMetrics } from '../../src/http/metrics-listener.js';
import { bearer, createTestServer, type TestServer } from '../support/server.js';

describe('metrics', () => {
  let server: TestServer;
  let metricsUrl: string;
  beforeAll(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
    await server.createUser('carol', 'carol sings', { isActive: false });
    metricsUrl = await listenForMetrics(server.app, { port: 0, host: '127.0.0.1' });
  });
  afterAll(() => server.close());

  const scrape = async () => {
    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it('counts logins by outcome, refreshes, reuse, revocations and requests by route', async () => {
    await server.post('/api/token/', { username: 'alice', password: 'wrong' });
    await server.post('/api/token/', { username: 'nobody', password: 'x' });
    const pair = await server.login('alice', 'correct horse');
    const rotated = (await server.post('/api/token/refresh/', { refresh: pair.refresh })).json<{ refresh: string }>();
    server.clock.advance(10);
    await server.post('/api/token/refresh/', { refresh: pair.refresh });
    await server.post('/api/token/refresh/', { refresh: rotated.refresh });
    const other = await server.login('alice', 'correct horse');
    await server.post('/api/token/revoke-all/', {}, bearer(other.access));

    const text = await scrape();
    expect(text).toContain('tessera_logins_total{outcome="failure"} 2');
    expect(text).toContain('tessera_logins_total{outcome="success"} 2');
    expect(text).toContain('tessera_refreshes_total{outcome="rotated"} 1');
    expect(text).toContain('tessera_refresh_token_reuse_total 1');
    expect(text).toContain('tessera_refreshes_total{outcome="token_is_blacklisted"} 1');
    expect(text).toContain('tessera_revocations_total{kind="revoke_all"} 1');
    expect(text).toContain('tessera_http_requests_total{route="/api/token/",method="POST",status="401"} 2');
    expect(text).toContain('tessera_http_requests_total{route="/api/token/refresh/",method="POST",status="200"} 1');
    expect(text).toContain('tessera_http_requests_total{route="/api/token/refresh/",method="POST",status="401"} 2');
    expect(text).toMatch(/tessera_http_request_duration_seconds_count\{route="\/api\/token\/",method="POST"\} 4/);
    expect(text).toContain('tessera_process_resident_memory_bytes');
  });

  it('tells no login failure from another: unknown user, wrong password and inactive account count alike', async () => {
    const before = await scrape();
    // carol's right password on a deactivated account: the answer and the counters must not confirm it.
    await server.post('/api/token/', { username: 'carol', password: 'carol sings' });
    await server.post('/api/token/', { username: 'carol', password: 'wrong' });
    await server.post('/api/token/', { username: 'nobody', password: 'x' });
    const after = await scrape();
    const failures = (text: string) => Number(/tessera_logins_total\{outcome="failure"\} (\d+)/.exec(text)?.[1]);
    expect(failures(after) - failures(before)).toBe(3);
    const outcomes = [...after.matchAll(/tessera_logins_total\{outcome="(\w+)"\}/g)].map((match) => match[1]);
    expect(outcomes.sort()).toEqual(['failure', 'success']);
  });

  it('is not served on the API port', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect({ status: response.statusCode, body: response.json<unknown>() }).toEqual({
      status: 404,
      body: { detail: 'Not found.', code: 'not_found' },
    });
  });

  it('serves nothing else on the metrics port', async () => {
    const response = await fetch(`${metricsUrl}/api/token/`);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 404,
      body: { detail: 'Not found.', code: 'not_found' },
    });
  });
});
