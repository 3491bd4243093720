/**
 * Cookie mode for the adversarial suite: a browser's view of a login (its
 * cookies), requests that carry a raw `Cookie` header, and the unsafe
 * endpoints a cookie authenticates, each with its answer when everything is
 * right and a check that a refused request changed nothing.
 */
import type { HTTPMethods, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { ALICE, ALICE_PROFILE, claimsOf, type Expected, type HostileServer, type Pair } from './support.js';

export const ACCESS = '__Host-tessera-access';
export const REFRESH = '__Secure-tessera-refresh';
export const CSRF = 'csrftoken';
/** The server's own origin under `inject` (Host: localhost:80). */
export const OWN_ORIGIN = 'http://localhost:80';
export const TRUSTED_ORIGIN = 'https://app.example.com';
export const COOKIE_ENV = { TESSERA_COOKIE_MODE: 'on', TESSERA_CORS_ORIGINS: TRUSTED_ORIGIN } as const;

export const JWS = /^[\w-]+\.[\w-]+\.[\w-]{43}$/;
export const PAIR_BODY = {
  access: expect.stringMatching(JWS) as unknown,
  refresh: expect.stringMatching(JWS) as unknown,
};

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** A refresh the cookie authenticated: expirations and the access token's claims, never a token. */
export const COOKIE_SESSION_BODY = {
  access_expiration: expect.stringMatching(ISO_TIME) as unknown,
  refresh_expiration: expect.stringMatching(ISO_TIME) as unknown,
  claims: expect.objectContaining({ token_type: 'access', username: 'alice' }) as unknown,
};

/** What a browser holds after a login: the pair (also the cookies' values), its CSRF token and session. */
export interface Browser {
  pair: Pair;
  csrf: string;
  sid: string;
}

/** Logs `user` in as a browser without cookies would, and reads the cookies it gets. */
export async function browserLogin(
  server: HostileServer,
  user: { username: string; password: string } = ALICE,
): Promise<Browser> {
  const response = await server.post('/api/token/', user);
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  const value = (name: string) => response.cookies.find((cookie) => cookie.name === name)?.value ?? '';
  const pair = { access: value(ACCESS), refresh: value(REFRESH) };
  expect(pair).toEqual(response.json<Pair>());
  return { pair, csrf: value(CSRF), sid: claimsOf(pair.access).sid as string };
}

/** A CSRF token bound to no session, as `GET /api/csrf/` hands a browser without cookies. */
export async function anonymousCsrf(server: HostileServer): Promise<string> {
  return (await server.inject({ method: 'GET', url: '/api/csrf/' })).json<{ csrfToken: string }>().csrfToken;
}

/** `name=value; …` from pairs, in order (duplicates kept). */
export const cookieHeader = (cookies: ReadonlyArray<readonly [string, string]>): string =>
  cookies.map(([name, value]) => `${name}=${value}`).join('; ');

/** The cookies a browser sends to `url`: the refresh cookie only under its two paths. */
export function browserCookies(url: string, browser: Browser): Array<[string, string]> {
  const cookies: Array<[string, string]> = [[ACCESS, browser.pair.access]];
  if (url.startsWith('/api/token/') || url.startsWith('/api/auth/')) cookies.push([REFRESH, browser.pair.refresh]);
  cookies.push([CSRF, browser.csrf]);
  return cookies;
}

export function send(
  server: HostileServer,
  request: {
    method: HTTPMethods;
    url: string;
    cookie?: string;
    headers?: Record<string, string>;
    body?: unknown;
  },
): Promise<LightMyRequestResponse> {
  return server.inject({
    method: request.method,
    url: request.url,
    headers: { ...(request.cookie === undefined ? {} : { cookie: request.cookie }), ...request.headers },
    ...(request.body === undefined ? {} : { payload: request.body as string }),
  });
}

/** Asserts the exact status and body (an empty body is `undefined`), and never a 5xx. */
export function expectExact(response: LightMyRequestResponse, expected: Expected): void {
  expect(response.statusCode).toBeLessThan(500);
  const body = response.body === '' ? undefined : response.json<unknown>();
  expect({ status: response.statusCode, body }).toEqual(expected);
}

export const csrfFailed = (reason: string): Expected => ({
  status: 403,
  body: { detail: `CSRF Failed: ${reason}`, code: 'csrf_failed' },
});

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Asserts that `browser`'s session, alice's password and profile are as they were. */
export async function expectUntouched(server: HostileServer, browser: Browser): Promise<void> {
  const profile = await server.inject({ method: 'GET', url: '/api/profile/', headers: bearer(browser.pair.access) });
  expectExact(profile, { status: 200, body: ALICE_PROFILE });
  const refresh = await server.post('/api/token/refresh/', { refresh: browser.pair.refresh });
  expectExact(refresh, { status: 200, body: PAIR_BODY });
  expect((await server.post('/api/token/', ALICE)).statusCode).toBe(200);
}

/** One unsafe endpoint a cookie authenticates. */
export interface CookieEndpoint {
  name: string;
  method: 'POST' | 'PATCH' | 'DELETE';
  url: (browser: Browser) => string;
  body?: unknown;
  /** The answer when the request passes every check (computed before it is sent). */
  accepted: (server: HostileServer, browser: Browser) => Promise<Expected>;
  /** Undoes an accepted request's lasting change to alice, so later rows start alike. */
  restore?: (server: HostileServer, browser: Browser) => Promise<void>;
}

const NEW_PASSWORD = 'a different passphrase 42';
const fixed = (expected: Expected) => () => Promise.resolve(expected);

export const COOKIE_ENDPOINTS: readonly CookieEndpoint[] = [
  {
    name: 'refresh',
    method: 'POST',
    url: () => '/api/token/refresh/',
    accepted: fixed({ status: 200, body: COOKIE_SESSION_BODY }),
  },
  {
    name: 'refresh (auth alias)',
    method: 'POST',
    url: () => '/api/auth/refresh/',
    accepted: fixed({ status: 200, body: COOKIE_SESSION_BODY }),
  },
  { name: 'logout', method: 'POST', url: () => '/api/auth/logout/', accepted: fixed({ status: 205, body: undefined }) },
  { name: 'blacklist', method: 'POST', url: () => '/api/token/blacklist/', accepted: fixed({ status: 200, body: {} }) },
  {
    name: 'revoke',
    method: 'POST',
    url: () => '/api/token/revoke/',
    accepted: fixed({ status: 200, body: { message: 'Token revoked successfully' } }),
  },
  {
    name: 'revoke-all',
    method: 'POST',
    url: () => '/api/token/revoke-all/',
    accepted: fixed({ status: 200, body: { message: 'All tokens revoked successfully' } }),
  },
  {
    name: 'password change',
    method: 'POST',
    url: () => '/api/password/change/',
    body: { old_password: ALICE.password, new_password: NEW_PASSWORD },
    accepted: fixed({ status: 200, body: { message: 'Password changed successfully' } }),
    async restore(server, browser) {
      const body = { old_password: NEW_PASSWORD, new_password: ALICE.password };
      const back = await server.post('/api/password/change/', body, bearer(browser.pair.access));
      expect(back.statusCode).toBe(200);
    },
  },
  {
    name: 'profile PATCH',
    method: 'PATCH',
    url: () => '/api/profile/',
    body: { first_name: 'Mallory' },
    accepted: fixed({ status: 200, body: { ...ALICE_PROFILE, first_name: 'Mallory' } }),
    async restore(server, browser) {
      const back = await server.inject({
        method: 'PATCH',
        url: '/api/profile/',
        payload: { first_name: ALICE_PROFILE.first_name },
        headers: bearer(browser.pair.access),
      });
      expect(back.statusCode).toBe(200);
    },
  },
  {
    name: 'session DELETE',
    method: 'DELETE',
    url: (browser) => `/api/sessions/${browser.sid}/`,
    accepted: fixed({ status: 204, body: undefined }),
  },
  {
    name: 'revoke-others',
    method: 'POST',
    url: () => '/api/sessions/revoke-others/',
    async accepted(server, browser) {
      const list = await server.inject({ method: 'GET', url: '/api/sessions/', headers: bearer(browser.pair.access) });
      const revoked = list.json<unknown[]>().length - 1;
      return { status: 200, body: { message: 'Other sessions revoked successfully', revoked } };
    },
  },
];
