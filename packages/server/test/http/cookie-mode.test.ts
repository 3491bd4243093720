import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, claimsOf, createTestServer, type TestServer } from '../support/server.js';

type Pair = { access: string; refresh: string };

const ACCESS = '__Host-tessera-access';
const REFRESH = '__Secure-tessera-refresh';
const csrfFailed = (reason: string) => ({ detail: `CSRF Failed: ${reason}`, code: 'csrf_failed' });

/** The cookies a browser would hold after `responses`, by name (the refresh cookie's /api/token/ copy). */
function jar(...responses: LightMyRequestResponse[]): Record<string, string> {
  const held: Record<string, string> = {};
  for (const response of responses) {
    for (const cookie of response.cookies) {
      if (cookie.name === REFRESH && cookie.path !== '/api/token/') continue;
      if (cookie.maxAge === 0) delete held[cookie.name];
      else held[cookie.name] = cookie.value;
    }
  }
  return held;
}

const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

describe('cookie mode', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_COOKIE_MODE: 'on', TESSERA_CORS_ORIGINS: 'https://app.example.com' });
    await server.createUser('alice', 'correct horse');
  });
  afterEach(() => server.close());

  const send = (
    method: 'GET' | 'POST',
    url: string,
    cookies: Record<string, string>,
    { body, headers = {} }: { body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    server.app.inject({
      method,
      url,
      headers: { cookie: cookieHeader(cookies), ...headers },
      ...(body === undefined ? {} : { payload: body as string }),
    });
  const login = async () => {
    const response = await server.post('/api/token/', { username: 'alice', password: 'correct horse' });
    expect(response.statusCode).toBe(200);
    return { response, cookies: jar(response), pair: response.json<Pair>() };
  };
  const expectCsrfFailure = (response: LightMyRequestResponse, reason: string) => {
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual(csrfFailed(reason));
  };

  it('sets the pair as HttpOnly, Secure, SameSite=Lax cookies, the refresh cookie only on its paths', async () => {
    const { response, pair } = await login();
    expect(Object.keys(response.json())).toEqual(['refresh', 'access']);
    const cookies = response.cookies.map(({ name, path, maxAge, httpOnly, secure, sameSite }) => ({
      name,
      path,
      maxAge,
      httpOnly: httpOnly ?? false,
      secure,
      sameSite,
    }));
    expect(cookies).toEqual([
      { name: ACCESS, path: '/', maxAge: 300, httpOnly: true, secure: true, sameSite: 'Lax' },
      { name: REFRESH, path: '/api/token/', maxAge: 86_400, httpOnly: true, secure: true, sameSite: 'Lax' },
      { name: REFRESH, path: '/api/auth/', maxAge: 86_400, httpOnly: true, secure: true, sameSite: 'Lax' },
      { name: REFRESH, path: '/api/csrf/', maxAge: 86_400, httpOnly: true, secure: true, sameSite: 'Lax' },
      { name: 'csrftoken', path: '/', maxAge: 86_400, httpOnly: false, secure: true, sameSite: 'Lax' },
    ]);
    const values = jar(response);
    expect(values[ACCESS]).toBe(pair.access);
    expect(values[REFRESH]).toBe(pair.refresh);
  });

  it('authenticates safe requests by the access cookie alone', async () => {
    const { cookies } = await login();
    const response = await send('GET', '/api/profile/', { [ACCESS]: cookies[ACCESS]! });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ username: 'alice' });
  });

  it('refreshes from the refresh cookie with the CSRF token, and sets the new pair', async () => {
    const { cookies, pair } = await login();
    const response = await send('POST', '/api/token/refresh/', cookies, {
      headers: { 'x-csrftoken': cookies.csrftoken! },
    });
    expect(response.statusCode).toBe(200);
    const next = jar(response);
    expect(response.json<{ claims: unknown }>().claims).toEqual(claimsOf(next[ACCESS]!));
    expect(claimsOf(next[REFRESH]!).sid).toBe(claimsOf(pair.refresh).sid);
    // The body still wins when it has a token.
    const fromBody = await send('POST', '/api/token/refresh/', {}, { body: { refresh: next[REFRESH] } });
    expect(fromBody.statusCode).toBe(200);
  });

  it.each<[string, (c: Record<string, string>) => [Record<string, string>, Record<string, string>], string]>([
    ['no CSRF cookie', (c) => [{ [REFRESH]: c[REFRESH]! }, { 'x-csrftoken': c.csrftoken! }], 'CSRF cookie not set.'],
    ['no CSRF header', (c) => [c, {}], 'CSRF token missing.'],
    [
      'a header unlike the cookie',
      // The last character changed: a token ending in "A" (1 in 16) would otherwise be sent unchanged.
      (c) => [c, { 'x-csrftoken': `${c.csrftoken!.slice(0, -1)}${c.csrftoken!.endsWith('A') ? 'Q' : 'A'}` }],
      'CSRF token incorrect.',
    ],
    [
      'a forged token in both',
      (c) => [{ ...c, csrftoken: 'forged' }, { 'x-csrftoken': 'forged' }],
      'CSRF token incorrect.',
    ],
  ])('refuses a cookie refresh with %s, and rotates nothing', async (_name, attack, reason) => {
    const { cookies, pair } = await login();
    const [sent, headers] = attack(cookies);
    expectCsrfFailure(await send('POST', '/api/token/refresh/', sent, { headers }), reason);
    expect((await server.post('/api/token/refresh/', { refresh: pair.refresh })).statusCode).toBe(200);
  });

  it("refuses another session's CSRF token", async () => {
    const mine = await login();
    const theirs = await login();
    const cookies = { ...mine.cookies, csrftoken: theirs.cookies.csrftoken! };
    const response = await send('POST', '/api/token/refresh/', cookies, {
      headers: { 'x-csrftoken': theirs.cookies.csrftoken! },
    });
    expectCsrfFailure(response, 'CSRF token incorrect.');
  });

  it.each([
    [
      { origin: 'https://evil.example' },
      'Origin checking failed - https://evil.example does not match any trusted origins.',
    ],
    [{ origin: 'null' }, 'Origin checking failed - null does not match any trusted origins.'],
    [
      { origin: 'https://app.example.com.evil.example' },
      'Origin checking failed - https://app.example.com.evil.example does not match any trusted origins.',
    ],
    [{ 'sec-fetch-site': 'cross-site' }, 'Cross-site request refused.'],
    [{ 'sec-fetch-site': 'same-site' }, 'Cross-site request refused.'],
  ])('refuses a cookie-authenticated POST with %j', async (headers, reason) => {
    const { cookies } = await login();
    const response = await send('POST', '/api/token/revoke-all/', cookies, {
      headers: { ...headers, 'x-csrftoken': cookies.csrftoken! },
    });
    expectCsrfFailure(response, reason);
    expect((await send('GET', '/api/profile/', cookies)).statusCode).toBe(200);
  });

  it.each([
    { origin: 'https://app.example.com' },
    { origin: 'http://localhost:80' },
    { 'sec-fetch-site': 'same-origin' },
    {},
  ])('accepts a cookie-authenticated POST with %j and the CSRF token', async (headers) => {
    const { cookies } = await login();
    const response = await send('POST', '/api/token/revoke-all/', cookies, {
      headers: { ...headers, 'x-csrftoken': cookies.csrftoken! },
    });
    expect(response.statusCode).toBe(200);
  });

  it('logs out from the cookies alone and expires them', async () => {
    const { cookies, pair } = await login();
    const response = await send('POST', '/api/auth/logout/', cookies, {
      headers: { 'x-csrftoken': cookies.csrftoken! },
    });
    expect(response.statusCode).toBe(205);
    expect(response.cookies.map(({ name, path, maxAge, value }) => ({ name, path, maxAge, value }))).toEqual([
      { name: ACCESS, path: '/', maxAge: 0, value: '' },
      { name: REFRESH, path: '/api/token/', maxAge: 0, value: '' },
      { name: REFRESH, path: '/api/auth/', maxAge: 0, value: '' },
      { name: REFRESH, path: '/api/csrf/', maxAge: 0, value: '' },
      { name: 'csrftoken', path: '/', maxAge: 0, value: '' },
    ]);
    expect(
      (await server.app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(pair.access) })).statusCode,
    ).toBe(401);
  });

  it('leaves Bearer requests alone: no CSRF token needed, whatever the origin', async () => {
    const { pair } = await login();
    const response = await server.post(
      '/api/token/revoke-all/',
      {},
      { ...bearer(pair.access), origin: 'https://evil.example' },
    );
    expect(response.statusCode).toBe(200);
  });

  it('refuses a login from a foreign origin, and a browser login without its CSRF token', async () => {
    const body = { username: 'alice', password: 'correct horse' };
    expectCsrfFailure(
      await server.post('/api/token/', body, { origin: 'https://evil.example' }),
      'Origin checking failed - https://evil.example does not match any trusted origins.',
    );
    const csrf = await server.app.inject({ method: 'GET', url: '/api/csrf/' });
    expect(csrf.statusCode).toBe(200);
    const token = csrf.json<{ csrfToken: string }>().csrfToken;
    expect(jar(csrf)).toEqual({ csrftoken: token });
    const withCookie = { cookie: `csrftoken=${token}`, origin: 'https://app.example.com' };
    expectCsrfFailure(await server.post('/api/token/', body, withCookie), 'CSRF token missing.');
    const ok = await server.post('/api/token/', body, { ...withCookie, 'x-csrftoken': token });
    expect(ok.statusCode).toBe(200);
    // The new token is bound to the new session, not the anonymous one.
    expect(jar(ok).csrftoken).not.toBe(token);
  });

  it('takes the first of two access cookies of one name, and never answers 5xx', async () => {
    const { cookies } = await login();
    const response = await server.app.inject({
      method: 'GET',
      url: '/api/profile/',
      headers: { cookie: `${ACCESS}=forged; ${ACCESS}=${cookies[ACCESS]!}` },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'token_not_valid', messages: [{ message: 'Token is invalid' }] });
  });
});

describe('cookie mode for plain-http development', () => {
  it('drops the Secure attribute and the __Host-/__Secure- prefixes', async () => {
    const server = await createTestServer({ TESSERA_COOKIE_MODE: 'on', TESSERA_COOKIE_SECURE: 'false' });
    try {
      await server.createUser('alice', 'correct horse');
      const response = await server.post('/api/token/', { username: 'alice', password: 'correct horse' });
      expect(response.cookies.map((c) => [c.name, c.secure ?? false])).toEqual([
        ['tessera-access', false],
        ['tessera-refresh', false],
        ['tessera-refresh', false],
        ['tessera-refresh', false],
        ['csrftoken', false],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('with cookie mode off', () => {
  it('sets no cookie and reads none', async () => {
    const server = await createTestServer({ TESSERA_COOKIE_MODE: 'off' });
    try {
      await server.createUser('alice', 'correct horse');
      const response = await server.post('/api/token/', { username: 'alice', password: 'correct horse' });
      expect(response.cookies).toEqual([]);
      const { access } = response.json<Pair>();
      const profile = await server.app.inject({
        method: 'GET',
        url: '/api/profile/',
        headers: { cookie: `${ACCESS}=${access}` },
      });
      expect(profile.statusCode).toBe(401);
      expect(profile.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    } finally {
      await server.close();
    }
  });

  it('sends the usual security headers on every answer', async () => {
    const server = await createTestServer();
    try {
      const response = await server.post('/api/token/', {});
      expect(response.statusCode).toBe(400);
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      });
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    } finally {
      await server.close();
    }
  });
});
