// The client's cookie transport against a real tessera in cookie mode (plain
// http, so the cookies drop Secure and their prefixes), through a browser-like
// cookie jar: the page sees only the readable csrftoken cookie, never a token.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/support/server.js';
import { createAuthClient, type AuthClient, type FetchLike } from '../src/index.js';
import { createCookieJar, type CookieJar } from './support/cookie-jar.js';
import { startRealServer } from './support/real-server.js';
import { barePlatform } from './support/setup.js';
import { createManualTime } from './support/time.js';

const PROFILE = '/api/profile/';

describe('the cookie transport against a real tessera server in cookie mode', () => {
  let server: TestServer;
  let baseUrl: string;
  let jar: CookieJar;
  let auth: AuthClient;
  /** Every request the client made, as `METHOD path`. */
  let requests: string[];

  /** A browser-like platform over the cookie jar, on the server's clock, with time moved by hand. */
  const cookiePlatform = () => ({
    ...barePlatform(() => server.clock.now(), createManualTime().timers),
    document: jar.document,
  });

  beforeEach(async () => {
    ({ server, baseUrl } = await startRealServer({
      TESSERA_COOKIE_MODE: 'on',
      TESSERA_COOKIE_SECURE: 'false',
      TESSERA_ACCESS_TOKEN_LIFETIME: '300',
    }));
    jar = createCookieJar(baseUrl, () => server.clock.now());
    requests = [];
    const logged: FetchLike = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input instanceof URL ? input.href : input);
      requests.push(`${(init?.method ?? 'GET').toUpperCase()} ${url.pathname}`);
      return jar.fetch(input, init);
    };
    auth = createAuthClient({
      baseUrl,
      fetch: logged,
      transport: 'cookie',
      platform: cookiePlatform(),
    });
  });
  afterEach(async () => {
    auth.dispose();
    await server.close();
  });

  it('logs in after fetching a CSRF token, and the page never sees a token', async () => {
    expect(jar.document.cookie).toBe('');
    await auth.login('alice', 'correct horse');
    expect(requests).toEqual(['GET /api/csrf/', 'POST /api/token/']);
    expect(auth.getSnapshot()).toMatchObject({ status: 'authenticated', user: { username: 'alice' } });
    expect(auth.getAccessToken()).toBeNull();
    expect(jar.document.cookie).toMatch(/^csrftoken=[\w-]+\.[\w-]+$/);
    expect(jar.names().sort()).toEqual([
      'csrftoken@/',
      'tessera-access@/',
      'tessera-refresh@/api/auth/',
      'tessera-refresh@/api/csrf/',
      'tessera-refresh@/api/token/',
    ]);
  });

  it('gets no token in any answer body: the claims alone say who is in and when to refresh', async () => {
    const bodies: string[] = [];
    const recording: FetchLike = async (input, init) => {
      const response = await jar.fetch(input, init);
      bodies.push(await response.clone().text());
      return response;
    };
    const client = createAuthClient({
      baseUrl,
      fetch: recording,
      transport: 'cookie',
      platform: cookiePlatform(),
    });
    await client.login('alice', 'correct horse');
    const loginExp = client.getUser()?.exp;
    server.clock.advance(301);
    await client.refresh();
    expect(client.getUser()).toMatchObject({ username: 'alice', exp: loginExp! + 301 });
    expect(bodies).toHaveLength(3);
    expect(bodies.filter((body) => /eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(body))).toEqual([]);
    client.dispose();
  });

  it('reads the profile with auth.fetch, by the access cookie alone', async () => {
    await auth.login('alice', 'correct horse');
    const response = await auth.fetch(PROFILE);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ username: 'alice' });
  });

  it('refreshes through the refresh cookie and the CSRF header once the access token expires', async () => {
    await auth.login('alice', 'correct horse');
    const firstAccess = jar.get('tessera-access');
    server.clock.advance(301);
    // The browser dropped the expired access cookie; the client refreshes before the request.
    expect(jar.get('tessera-access')).toBeUndefined();
    requests = [];
    const response = await auth.fetch(PROFILE);
    expect(response.status).toBe(200);
    expect(requests).toEqual(['POST /api/token/refresh/', `GET ${PROFILE}`]);
    expect(jar.get('tessera-access')).not.toBe(firstAccess);
    expect(auth.getSnapshot().status).toBe('authenticated');
  });

  it('logout ends the session on the server and expires the cookies', async () => {
    await auth.login('alice', 'correct horse');
    const access = jar.get('tessera-access')!;
    expect(await auth.logout()).toEqual({ confirmed: true });
    expect(requests.at(-1)).toBe('POST /api/auth/logout/');
    expect(auth.getSnapshot()).toEqual({ status: 'unauthenticated', user: null, expiresAt: null, retryAt: null });
    expect(jar.names()).toEqual([]);
    const bearer = await fetch(`${baseUrl}${PROFILE}`, { headers: { authorization: `Bearer ${access}` } });
    expect(bearer.status).toBe(401);
    expect((await auth.fetch(PROFILE)).status).toBe(401);
  });

  it('logout once the access cookie expired ends the session by the refresh cookie and the CSRF header', async () => {
    await auth.login('alice', 'correct horse');
    const refresh = jar.get('tessera-refresh', '/api/token/')!;
    server.clock.advance(301);
    requests = [];
    expect(await auth.logout()).toEqual({ confirmed: true });
    expect(requests).toEqual(['POST /api/token/blacklist/']);
    expect(jar.names()).toEqual([]);
    const verify = await server.post('/api/token/verify/', { token: refresh });
    expect([verify.statusCode, verify.json()]).toEqual([
      401,
      { detail: 'Token is blacklisted', code: 'token_not_valid' },
    ]);
    expect(auth.getSnapshot().status).toBe('unauthenticated');
  });

  it('logs in again after a logout, fetching a new CSRF token', async () => {
    await auth.login('alice', 'correct horse');
    await auth.logout();
    requests = [];
    await auth.login('alice', 'correct horse');
    expect(requests).toEqual(['GET /api/csrf/', 'POST /api/token/']);
    expect((await auth.fetch(PROFILE)).status).toBe(200);
  });

  it('the server refuses a cookie-authenticated POST without the CSRF header (sanity)', async () => {
    await auth.login('alice', 'correct horse');
    const response = await jar.fetch(`${baseUrl}/api/sessions/revoke-others/`, {
      method: 'POST',
      credentials: 'include',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ detail: 'CSRF Failed: CSRF token missing.', code: 'csrf_failed' });
    const withHeader = await auth.fetch('/api/sessions/revoke-others/', { method: 'POST' });
    expect(withHeader.status).toBe(200);
  });
});
