import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse';
const throttled = (seconds: number) => ({
  detail: `Request was throttled. Expected available in ${seconds} seconds.`,
  code: 'throttled',
});

describe('rate limits (the defaults: obtain 5/minute, refresh 10/minute per session, password 3 wrong/hour)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_RATE_LIMITS: '' });
    await server.createUser('alice', PASSWORD);
    await server.createUser('bob', 'bobs password');
  });
  afterEach(() => server.close());

  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    server.post('/api/token/', { username, password }, headers);
  const expectThrottled = (response: Awaited<ReturnType<typeof login>>, seconds: number) => {
    expect(response.statusCode).toBe(429);
    expect(response.json()).toEqual(throttled(seconds));
    expect(response.headers['retry-after']).toBe(String(seconds));
    expect(response.headers['www-authenticate']).toBeUndefined();
  };

  it('allows 5 logins a minute for one username from one address, then 429 with Retry-After', async () => {
    for (let i = 0; i < 4; i++) expect((await login('alice', 'wrong password')).statusCode).toBe(401);
    expect((await login('alice', PASSWORD)).statusCode).toBe(200);
    server.clock.advance(15);
    expectThrottled(await login('alice', PASSWORD), 45);
    // The right password is refused too until the window ends: no hint that it was right.
    server.clock.advance(44);
    expectThrottled(await login('alice', PASSWORD), 1);
    // Then the real user logs in again: a backoff, never a lockout.
    server.clock.advance(1);
    expect((await login('alice', PASSWORD)).statusCode).toBe(200);
  });

  it('throttles an unknown username exactly like a known one', async () => {
    for (let i = 0; i < 5; i++) expect((await login('nobody', 'wrong password')).statusCode).toBe(401);
    const unknown = await login('nobody', 'wrong password');
    for (let i = 0; i < 5; i++) await login('alice', 'wrong password');
    const known = await login('alice', 'wrong password');
    expectThrottled(unknown, 60);
    expect(unknown.body).toBe(known.body);
    expect(unknown.headers['retry-after']).toBe(known.headers['retry-after']);
  });

  it('keys usernames as typed in any case, width or padding', async () => {
    for (const name of ['alice', 'ALICE', ' Alice ', 'ａｌｉｃｅ', 'aLiCe']) await login(name, 'wrong password');
    expectThrottled(await login('alice', PASSWORD), 60);
  });

  it('leaves other usernames from the address alone', async () => {
    for (let i = 0; i < 6; i++) await login('alice', 'wrong password');
    expect((await login('bob', 'bobs password')).statusCode).toBe(200);
  });

  it('ignores X-Forwarded-For from a proxy it does not trust', async () => {
    for (let i = 0; i < 5; i++) await login('alice', 'wrong password', { 'x-forwarded-for': `203.0.113.${i}` });
    expectThrottled(await login('alice', PASSWORD, { 'x-forwarded-for': '203.0.113.99' }), 60);
  });

  it('records the first refusal of a window in the audit log as login_throttled', async () => {
    for (let i = 0; i < 7; i++) await login('nobody', 'hunter2 hunter2');
    const { records } = await server.store.listAudit({ event: 'login_throttled', offset: 0, limit: 10 });
    expect(records.map((r) => [r.username, r.ip, r.userId])).toEqual([['nobody', '127.0.0.1', null]]);
    expect(JSON.stringify(records)).not.toContain('hunter2');
  });

  it('allows 10 refreshes a minute of one session', async () => {
    let { refresh } = (await login('alice', PASSWORD)).json<{ refresh: string }>();
    for (let i = 0; i < 10; i++) {
      const response = await server.post('/api/token/refresh/', { refresh });
      expect(response.statusCode).toBe(200);
      refresh = response.json<{ refresh: string }>().refresh;
    }
    expectThrottled(await server.post('/api/token/refresh/', { refresh }), 60);
    server.clock.advance(60);
    expect((await server.post('/api/token/refresh/', { refresh })).statusCode).toBe(200);
  });

  it('allows 3 password changes an hour per user, counting wrong old passwords', async () => {
    const { access } = (await login('alice', PASSWORD)).json<{ access: string }>();
    const change = (old: string) =>
      server.post('/api/password/change/', { old_password: old, new_password: 'battery staple 42' }, bearer(access));
    for (let i = 0; i < 3; i++) expect((await change('guess number one')).statusCode).toBe(400);
    expectThrottled(await change(PASSWORD), 3600);
    expect((await login('alice', PASSWORD)).statusCode).toBe(200);
  });

  it('does not count new passwords the policy refuses towards the password-change limit', async () => {
    const { access } = (await login('alice', PASSWORD)).json<{ access: string }>();
    const change = (newPassword: string) =>
      server.post('/api/password/change/', { old_password: PASSWORD, new_password: newPassword }, bearer(access));
    for (const refused of ['password', '12345678', 'alice', 'short', 'qwertyuiop']) {
      const response = await change(refused);
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json<object>())).toEqual(['new_password']);
    }
    const accepted = await change('battery staple 42');
    expect({ status: accepted.statusCode, body: accepted.json<unknown>() }).toEqual({
      status: 200,
      body: { message: 'Password changed successfully' },
    });
  });
});

describe('rate limits behind a trusted proxy', () => {
  it('keys by the address X-Forwarded-For names when the proxy is trusted', async () => {
    const server = await createTestServer({ TESSERA_RATE_LIMITS: '', TESSERA_TRUSTED_PROXIES: '127.0.0.1' });
    try {
      await server.createUser('alice', PASSWORD);
      const from = (ip: string) =>
        server.post('/api/token/', { username: 'alice', password: 'wrong password' }, { 'x-forwarded-for': ip });
      for (let i = 0; i < 5; i++) await from('198.51.100.7');
      expect((await from('198.51.100.7')).statusCode).toBe(429);
      expect((await from('198.51.100.8')).statusCode).toBe(401);
      const { records } = await server.store.listAudit({ event: 'login_failure', offset: 0, limit: 1 });
      expect(records[0]?.ip).toBe('198.51.100.8');
    } finally {
      await server.close();
    }
  });
});

describe('rate limits turned off', () => {
  it('lets every attempt through', async () => {
    const server = await createTestServer({ TESSERA_RATE_LIMITS: 'off' });
    try {
      for (let i = 0; i < 30; i++) {
        const response = await server.post('/api/token/', { username: 'nobody', password: 'wrong password' });
        expect(response.statusCode).toBe(401);
      }
    } finally {
      await server.close();
    }
  });
});
