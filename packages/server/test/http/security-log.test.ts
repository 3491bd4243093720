import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { claimsOf, createTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery';

describe('security event log', () => {
  let lines: string[];
  let app: FastifyInstance;
  let server: TestServer;
  beforeEach(async () => {
    lines = [];
    server = await createTestServer(
      {},
      { logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } },
    );
    await server.createUser('alice', PASSWORD);
    app = server.app;
  });
  afterEach(() => server.close());

  const events = () =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => 'security_event' in record);

  it('writes control characters of a user agent escaped, so a log line cannot drive a terminal', async () => {
    const userAgent = 'curl\u001b]0;owned\u0007\u009b2J\u0085';
    await app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username: 'alice', password: 'wrong password' },
      headers: { 'user-agent': userAgent },
    });
    expect(events().map((e) => [e.security_event, e.user_agent])).toEqual([
      ['login_failure', 'curl\\u001b]0;owned\\u0007\\u009b2J\\u0085'],
    ]);
    expect(lines.join('')).not.toMatch(/[\u0080-\u009f]/);
  });

  it('records login, refresh, logout and revoke-all with user, session and address, never a secret', async () => {
    const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url, payload, headers });
    await post('/api/token/', { username: 'alice', password: 'wrong password' });
    await post('/api/token/', { username: 'nobody', password: PASSWORD });
    const login = (await post('/api/token/', { username: 'alice', password: PASSWORD })).json<{
      access: string;
      refresh: string;
    }>();
    const rotated = (await post('/api/token/refresh/', { refresh: login.refresh })).json<{
      access: string;
      refresh: string;
    }>();
    await post('/api/token/refresh/', { refresh: login.refresh });
    await post('/api/auth/logout/', { refresh: rotated.refresh }, { authorization: `Bearer ${rotated.access}` });
    await post('/api/token/refresh/', { refresh: rotated.refresh });
    const again = (await post('/api/token/', { username: 'alice', password: PASSWORD })).json<{ access: string }>();
    await post('/api/token/revoke-all/', {}, { authorization: `Bearer ${again.access}` });

    const summary = events().map((e) => [e.security_event, e.reason ?? null, e.user_id ?? null]);
    expect(summary).toEqual([
      ['login_failure', 'bad_password', 1],
      ['login_failure', 'unknown_user', null],
      ['login_success', null, 1],
      ['refresh', null, 1],
      // Inside the grace window: the same pair again.
      ['refresh', null, 1],
      ['logout', null, 1],
      ['refresh_failure', 'Token is blacklisted', null],
      ['login_success', null, 1],
      ['revoke_all', '1 sessions', 1],
    ]);
    for (const event of events()) expect(event.client_ip).toBe('127.0.0.1');
    expect(events()[2]!.session_id).toMatch(/^[0-9a-f]{32}$/);

    const everything = lines.join('\n');
    for (const secret of [PASSWORD, 'wrong password', login.access, login.refresh, rotated.refresh, again.access]) {
      expect(everything).not.toContain(secret);
    }
    // Not even a token's signature part.
    expect(everything).not.toContain(login.refresh.split('.')[2]);
  });

  it('records refresh token reuse with the user, the session, the address and the user agent', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username: 'alice', password: PASSWORD },
    });
    const { refresh } = login.json<{ refresh: string }>();
    const stale = { refresh };
    const first = await app.inject({ method: 'POST', url: '/api/token/refresh/', payload: stale });
    expect(first.statusCode).toBe(200);
    // A second rotation makes the first token a grandparent: reuse, even inside the grace window.
    await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      payload: { refresh: first.json<{ refresh: string }>().refresh },
    });
    const reused = await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      payload: stale,
      headers: { 'user-agent': 'curl/8.5.0' },
    });
    expect(reused.statusCode).toBe(401);
    const reuse = events().filter((e) => e.security_event === 'refresh_token_reuse');
    expect(reuse).toEqual([
      expect.objectContaining({
        user_id: 1,
        session_id: claimsOf(refresh).sid,
        client_ip: '127.0.0.1',
        user_agent: 'curl/8.5.0',
      }),
    ]);
  });
});
