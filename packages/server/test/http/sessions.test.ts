import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, claimsOf, createTestServer, type TestServer } from '../support/server.js';

type Pair = { access: string; refresh: string };

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const NOT_FOUND = { detail: 'Not found.', code: 'not_found' };

describe('the session API', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
    await server.createUser('bob', 'bobs password');
  });
  afterEach(() => server.close());

  const loginFrom = async (username: string, password: string, userAgent: string): Promise<Pair> => {
    const response = await server.post('/api/token/', { username, password }, { 'user-agent': userAgent });
    expect(response.statusCode).toBe(200);
    return response.json<Pair>();
  };
  const send = (method: 'GET' | 'DELETE' | 'POST', url: string, access: string) =>
    server.app.inject({ method, url, headers: bearer(access) });
  const sid = (pair: Pair) => claimsOf(pair.access).sid as string;
  const iso = (ms: number) => new Date(ms).toISOString();

  it('lists live sessions, most recently used first, with device labels and the current one marked', async () => {
    const t0 = server.clock.now();
    const laptop = await loginFrom('alice', 'correct horse', FIREFOX);
    server.clock.advance(1);
    const phone = await loginFrom('alice', 'correct horse', IPHONE);
    await loginFrom('bob', 'bobs password', FIREFOX);
    server.clock.advance(60);
    // A refresh counts as use.
    const rotated = (await server.post('/api/token/refresh/', { refresh: laptop.refresh })).json<Pair>();

    const response = await send('GET', '/api/sessions/', phone.access);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([
      {
        id: sid(laptop),
        created_at: iso(t0),
        last_used_at: iso(t0 + 61_000),
        ip: '127.0.0.1',
        user_agent: FIREFOX,
        device: 'Firefox on Linux',
        current: false,
        device_bound: false,
      },
      {
        id: sid(phone),
        created_at: iso(t0 + 1000),
        last_used_at: iso(t0 + 1000),
        ip: '127.0.0.1',
        user_agent: IPHONE,
        device: 'Safari on iPhone',
        current: true,
        device_bound: false,
      },
    ]);
    const fromLaptop = (await send('GET', '/api/sessions', rotated.access)).json<Array<{ current: boolean }>>();
    expect(fromLaptop.map((s) => s.current)).toEqual([true, false]);
  });

  it('needs authentication', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/api/sessions/' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
  });

  it('ends one of your sessions with 204: its refresh and access tokens stop working', async () => {
    const laptop = await loginFrom('alice', 'correct horse', FIREFOX);
    const phone = await loginFrom('alice', 'correct horse', IPHONE);
    const response = await send('DELETE', `/api/sessions/${sid(phone)}/`, laptop.access);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');

    expect((await send('GET', '/api/profile/', phone.access)).statusCode).toBe(401);
    const refresh = await server.post('/api/token/refresh/', { refresh: phone.refresh });
    expect(refresh.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    const listed = (await send('GET', '/api/sessions/', laptop.access)).json<Array<{ id: string }>>();
    expect(listed.map((s) => s.id)).toEqual([sid(laptop)]);
    // Again: still 204, nothing more to end.
    expect((await send('DELETE', `/api/sessions/${sid(phone)}`, laptop.access)).statusCode).toBe(204);
  });

  it('can end the current session', async () => {
    const laptop = await loginFrom('alice', 'correct horse', FIREFOX);
    expect((await send('DELETE', `/api/sessions/${sid(laptop)}/`, laptop.access)).statusCode).toBe(204);
    expect((await send('GET', '/api/profile/', laptop.access)).statusCode).toBe(401);
  });

  it.each([
    ["another user's session", 'bob'],
    ['an unknown id', '0123456789abcdef0123456789abcdef'],
    ['a malformed id', 'not-a-session'],
    ['an id in upper case', 'UPPER'],
  ])('answers 404 for %s, and ends nothing', async (_name, target) => {
    const alice = await loginFrom('alice', 'correct horse', FIREFOX);
    const bob = await loginFrom('bob', 'bobs password', FIREFOX);
    const id = target === 'bob' ? sid(bob) : target === 'UPPER' ? sid(alice).toUpperCase() : target;
    const response = await send('DELETE', `/api/sessions/${id}/`, alice.access);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual(NOT_FOUND);
    expect((await send('GET', '/api/profile/', bob.access)).statusCode).toBe(200);
    expect((await send('GET', '/api/profile/', alice.access)).statusCode).toBe(200);
  });

  it('ends every other session with revoke-others, and keeps the one asking', async () => {
    const laptop = await loginFrom('alice', 'correct horse', FIREFOX);
    const phone = await loginFrom('alice', 'correct horse', IPHONE);
    const tablet = await loginFrom('alice', 'correct horse', IPHONE);
    const bob = await loginFrom('bob', 'bobs password', FIREFOX);
    const response = await send('POST', '/api/sessions/revoke-others/', laptop.access);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Other sessions revoked successfully', revoked: 2 });

    for (const ended of [phone, tablet])
      expect((await send('GET', '/api/profile/', ended.access)).statusCode).toBe(401);
    expect((await send('GET', '/api/profile/', laptop.access)).statusCode).toBe(200);
    expect((await server.post('/api/token/refresh/', { refresh: laptop.refresh })).statusCode).toBe(200);
    expect((await send('GET', '/api/profile/', bob.access)).statusCode).toBe(200);
  });

  it('lets a login in the same millisecond as a revoke-all work', async () => {
    const before = await loginFrom('alice', 'correct horse', FIREFOX);
    expect((await send('POST', '/api/token/revoke-all/', before.access)).statusCode).toBe(200);
    const after = await loginFrom('alice', 'correct horse', FIREFOX);
    expect((await send('GET', '/api/profile/', after.access)).statusCode).toBe(200);
    expect((await server.post('/api/token/refresh/', { refresh: after.refresh })).statusCode).toBe(200);
    expect((await send('GET', '/api/profile/', before.access)).statusCode).toBe(401);
  });

  it('answers other methods with 405 and Allow', async () => {
    const laptop = await loginFrom('alice', 'correct horse', FIREFOX);
    const response = await send('POST', '/api/sessions/', laptop.access);
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, OPTIONS');
    const revokeOthers = await send('DELETE', '/api/sessions/revoke-others/', laptop.access);
    expect(revokeOthers.statusCode).toBe(405);
    expect(revokeOthers.headers.allow).toBe('POST, OPTIONS');
  });
});
