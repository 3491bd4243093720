import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBrowserJar, type BrowserJar } from '../support/browser-jar.js';
import { claimsOf, createTestServer, type TestServer } from '../support/server.js';

const ACCESS = '__Host-tessera-access';
const REFRESH = '__Secure-tessera-refresh';
const ORIGIN = 'http://localhost:80';
const JWS = /^[\w-]+\.[\w-]+\.[\w-]{43}$/;
const jws = (): unknown => expect.stringMatching(JWS);
const ALICE = { username: 'alice', password: 'correct horse' };

/** The body a cookie-only answer must have: the expirations and claims of the cookies it set, no token. */
function expectCookieSessionBody(response: LightMyRequestResponse, jar: BrowserJar): void {
  const access = jar.get(ACCESS)!;
  const refresh = jar.get(REFRESH, '/api/token/')!;
  expect(response.cookies.find((cookie) => cookie.name === ACCESS)?.value).toBe(access);
  const claims = claimsOf(access);
  expect({ status: response.statusCode, body: response.json<unknown>() }).toEqual({
    status: 200,
    body: {
      access_expiration: new Date((claims.exp as number) * 1000).toISOString(),
      refresh_expiration: new Date((claimsOf(refresh).exp as number) * 1000).toISOString(),
      claims,
    },
  });
  expect(response.body).not.toContain(access.split('.')[2]);
  expect(response.body).not.toContain(refresh.split('.')[2]);
}

describe('cookie mode answers a browser without tokens in the body', () => {
  let server: TestServer;
  let jar: BrowserJar;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_COOKIE_MODE: 'on', TESSERA_CORS_ORIGINS: 'https://app.example.com' });
    await server.createUser('alice', 'correct horse');
    jar = createBrowserJar(server.clock);
  });
  afterEach(() => server.close());

  /** A request the way a page of this origin sends it, with the jar's cookies and CSRF token. */
  const browserSend = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const csrf = jar.get('csrftoken');
    const response = await server.app.inject({
      method,
      url,
      headers: {
        cookie: jar.cookieFor(url),
        ...(method === 'POST' ? { origin: ORIGIN, ...(csrf === undefined ? {} : { 'x-csrftoken': csrf }) } : {}),
      },
      ...(body === undefined ? {} : { payload: body as string }),
    });
    jar.take(response);
    return response;
  };

  it('a login with X-CSRFToken (the tessera client) answers 200 with the expirations and claims, no token', async () => {
    await browserSend('GET', '/api/csrf/');
    const response = await browserSend('POST', '/api/token/', ALICE);
    expectCookieSessionBody(response, jar);
    expect(claimsOf(jar.get(ACCESS)!)).toMatchObject({ token_type: 'access', username: 'alice', user_id: '1' });
  });

  it('a login from a page of this origin (Sec-Fetch-Site: same-origin) answers no token', async () => {
    const response = await server.post('/api/token/', ALICE, { origin: ORIGIN, 'sec-fetch-site': 'same-origin' });
    jar.take(response);
    expectCookieSessionBody(response, jar);
  });

  it('a refresh by the refresh cookie answers 200 with no token, and the new cookies work', async () => {
    await browserSend('GET', '/api/csrf/');
    await browserSend('POST', '/api/token/', ALICE);
    const before = jar.get(REFRESH, '/api/token/');
    for (const url of ['/api/token/refresh/', '/api/auth/refresh/']) {
      server.clock.advance(60);
      const response = await browserSend('POST', url);
      expectCookieSessionBody(response, jar);
    }
    expect(jar.get(REFRESH, '/api/token/')).not.toBe(before);
    const profile = await browserSend('GET', '/api/profile/');
    expect({ status: profile.statusCode, body: profile.json<unknown>() }).toEqual({
      status: 200,
      body: { username: 'alice', first_name: '', last_name: '', email: 'alice@example.com' },
    });
  });

  it("a refresh with the token in the body gets SimpleJWT's pair, in cookie mode too", async () => {
    const { refresh } = await server.login('alice', 'correct horse');
    const response = await server.post('/api/token/refresh/', { refresh });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json<object>())).toEqual(['access', 'refresh']);
    expect(response.json()).toEqual({ access: jws(), refresh: jws() });
  });

  it("a login without X-CSRFToken from another origin (a bearer app in a browser) gets SimpleJWT's pair", async () => {
    const response = await server.post('/api/token/', ALICE, {
      origin: 'https://app.example.com',
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'cors',
    });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json<object>())).toEqual(['refresh', 'access']);
    expect(response.json()).toEqual({ refresh: jws(), access: jws() });
  });
});

describe('with cookie mode off', () => {
  it("a login with X-CSRFToken and from this origin gets SimpleJWT's pair", async () => {
    const server = await createTestServer({ TESSERA_COOKIE_MODE: 'off' });
    await server.createUser('alice', 'correct horse');
    const response = await server.post('/api/token/', ALICE, { 'x-csrftoken': 'x', 'sec-fetch-site': 'same-origin' });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json<object>())).toEqual(['refresh', 'access']);
    await server.close();
  });
});
