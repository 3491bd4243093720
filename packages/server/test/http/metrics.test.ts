import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestServer, type TestServer } from '../support/server.js';

describe('GET /metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
  });
  afterAll(() => server.close());

  const scrape = async () => {
    const response = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.body;
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
    expect(text).toContain('tessera_logins_total{outcome="bad_password"} 1');
    expect(text).toContain('tessera_logins_total{outcome="unknown_user"} 1');
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
});
