/**
 * Cookie mode under attack: forged tokens carried in the cookies, duplicate
 * and oddly encoded cookies, and random Cookie/X-CSRFToken/Origin headers.
 * Every row asserts the exact status and body, and never a 5xx. The CSRF and
 * origin rows per endpoint are in cookie-csrf.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS,
  COOKIE_ENDPOINTS,
  COOKIE_ENV,
  CSRF,
  COOKIE_SESSION_BODY,
  REFRESH,
  TRUSTED_ORIGIN,
  anonymousCsrf,
  bearer,
  browserLogin,
  cookieHeader,
  expectExact,
  expectUntouched,
  send,
  type Browser,
} from './cookie-support.js';
import {
  ALICE_PROFILE,
  EXPIRED,
  INVALID,
  WRONG_TYPE,
  bearerAnswer,
  createHostileServer,
  expectPristinePrototypes,
  flip,
  reheader,
  segment,
  segmentsOf,
  sign,
  withClaim,
  type Expected,
  type HostileServer,
  type Verdict,
} from './support.js';

let server: HostileServer;
beforeAll(async () => {
  server = await createHostileServer(COOKIE_ENV);
});
afterAll(() => server.close());

const tokenNotValid = (message: Verdict): Expected => ({
  status: 401,
  body: { detail: message, code: 'token_not_valid' },
});
const NOT_PROVIDED = bearerAnswer('not_provided', null);

/** A forged token, made from the browser's own token of the same kind (or, for `swap`, the other kind). */
interface ForgedRow {
  name: string;
  make: (token: string, browser: Browser) => string;
  verdict: Verdict;
}

const FORGED_ROWS: readonly ForgedRow[] = [
  {
    name: 'alg "none" with an empty signature',
    make: (t) => `${segment({ alg: 'none', typ: 'JWT' })}.${segmentsOf(t)[1]}.`,
    verdict: INVALID,
  },
  {
    name: 'alg "none" with a signature of the real key',
    make: reheader({ alg: 'none', typ: 'JWT' }),
    verdict: INVALID,
  },
  {
    name: 'alg HS512 signed with the real key',
    make: reheader({ alg: 'HS512' }, undefined, 'sha512'),
    verdict: INVALID,
  },
  { name: 'the last signature character altered', make: (t) => flip(t, -2), verdict: INVALID },
  { name: 'a stripped signature', make: (t) => `${segmentsOf(t).slice(0, 2).join('.')}.`, verdict: INVALID },
  {
    name: 'the payload re-signed with another key',
    make: (t) => sign(segmentsOf(t)[0], segmentsOf(t)[1], 'another-secret-key-that-is-long-enough-0123'),
    verdict: INVALID,
  },
  { name: 'an expired token, validly signed', make: withClaim('exp', 1_000_000_000), verdict: EXPIRED },
  { name: 'garbage', make: () => 'not.a.token', verdict: INVALID },
  { name: 'one segment', make: () => 'eyJhbGciOiJIUzI1NiJ9', verdict: INVALID },
];

/** The token of the other kind in the cookie: an access token as the refresh cookie, and the reverse. */
const WRONG_TYPE_ROW: ForgedRow = {
  name: 'the other kind of token of the same session',
  make: (token, browser) => (token === browser.pair.access ? browser.pair.refresh : browser.pair.access),
  verdict: WRONG_TYPE,
};

const withCsrf = (browser: Browser) => ({ 'x-csrftoken': browser.csrf, origin: TRUSTED_ORIGIN });

describe('a forged refresh cookie', () => {
  const surfaces = [
    ['POST /api/token/refresh/', '/api/token/refresh/', (v: Verdict) => tokenNotValid(v)],
    ['POST /api/auth/refresh/', '/api/auth/refresh/', (v: Verdict) => tokenNotValid(v)],
    ['POST /api/token/blacklist/', '/api/token/blacklist/', (v: Verdict) => tokenNotValid(v)],
    // Logout and revoke: a token that is not a valid refresh token of the caller gets 400.
    ['POST /api/auth/logout/', '/api/auth/logout/', () => ({ status: 400, body: { error: 'Invalid token' } })],
    ['POST /api/token/revoke/', '/api/token/revoke/', () => ({ status: 400, body: { error: 'Invalid token' } })],
  ] as const;
  describe.each(surfaces)('on %s', (_title, url, expected) => {
    it.each([...FORGED_ROWS, WRONG_TYPE_ROW].map((row) => [row.name, row] as const))(
      '%s is refused, and the session lives on',
      async (_name, row) => {
        const browser = await browserLogin(server);
        const forged = row.make(browser.pair.refresh, browser);
        const cookie = cookieHeader([
          [ACCESS, browser.pair.access],
          [REFRESH, forged],
          [CSRF, browser.csrf],
        ]);
        const response = await send(server, { method: 'POST', url, cookie, headers: withCsrf(browser) });
        expectExact(response, expected(row.verdict));
        await expectUntouched(server, browser);
      },
    );
  });

  it('a blacklisted refresh cookie is refused as blacklisted', async () => {
    const browser = await browserLogin(server);
    const blacklisted = await server.post('/api/token/blacklist/', { refresh: browser.pair.refresh });
    expect(blacklisted.statusCode).toBe(200);
    const cookie = cookieHeader([
      [REFRESH, browser.pair.refresh],
      [CSRF, browser.csrf],
    ]);
    const response = await send(server, {
      method: 'POST',
      url: '/api/token/refresh/',
      cookie,
      headers: withCsrf(browser),
    });
    expectExact(response, tokenNotValid('Token is blacklisted'));
  });
});

describe('a forged access token, by cookie or beside one', () => {
  const surfaces = [
    ['GET /api/profile/', 'GET', '/api/profile/', undefined, ALICE_PROFILE],
    ['PATCH /api/profile/', 'PATCH', '/api/profile/', { first_name: 'Mallory' }, null],
    ['POST /api/auth/logout/', 'POST', '/api/auth/logout/', undefined, null],
    ['POST /api/token/revoke-all/', 'POST', '/api/token/revoke-all/', undefined, null],
  ] as const;
  const rows = [...FORGED_ROWS, WRONG_TYPE_ROW].map((row) => [row.name, row] as const);
  describe.each(surfaces)('on %s', (_title, method, url, body) => {
    it.each(rows)('%s as the access cookie gets the protected endpoints’ 401', async (_name, row) => {
      const browser = await browserLogin(server);
      const cookie = cookieHeader([
        [ACCESS, row.make(browser.pair.access, browser)],
        [CSRF, browser.csrf],
      ]);
      const response = await send(server, { method, url, cookie, headers: withCsrf(browser), body });
      expectExact(response, bearerAnswer(row.verdict, null));
      await expectUntouched(server, browser);
    });

    it.each(rows)('%s as the Bearer gets the 401, though a valid access cookie rides along', async (_name, row) => {
      const browser = await browserLogin(server);
      const cookie = cookieHeader([
        [ACCESS, browser.pair.access],
        [CSRF, browser.csrf],
      ]);
      const headers = { ...withCsrf(browser), ...bearer(row.make(browser.pair.access, browser)) };
      const response = await send(server, { method, url, cookie, headers, body });
      expectExact(response, bearerAnswer(row.verdict, null));
      await expectUntouched(server, browser);
    });
  });

  it('a valid Bearer decides beside a forged access cookie, and needs no CSRF token (Swagger’s "Try it out")', async () => {
    const browser = await browserLogin(server);
    const cookie = cookieHeader([
      [ACCESS, flip(browser.pair.access, -2)],
      [CSRF, browser.csrf],
    ]);
    const read = await send(server, {
      method: 'GET',
      url: '/api/profile/',
      cookie,
      headers: bearer(browser.pair.access),
    });
    expectExact(read, ACCEPTED);
    const change = await send(server, {
      method: 'PATCH',
      url: '/api/profile/',
      cookie,
      headers: { ...bearer(browser.pair.access), origin: 'https://elsewhere.example' },
      // Alice's own name again: the file's tests share her.
      body: { first_name: ALICE_PROFILE.first_name },
    });
    expectExact(change, ACCEPTED);
  });
});

/** Sends GET /api/profile/ with the raw Cookie header `cookie`. */
const profileWith = (cookie: string, headers: Record<string, string> = {}) =>
  send(server, { method: 'GET', url: '/api/profile/', cookie, headers });
const ACCEPTED: Expected = { status: 200, body: ALICE_PROFILE };
const FORGED_ACCESS = bearerAnswer(INVALID, null);
/** Every character percent-encoded. */
const percentAll = (text: string) => [...text].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');

describe('duplicate cookies of one name: the first wins', () => {
  it.each<[string, (b: Browser) => string, Expected]>([
    [
      'a forged access cookie before the real one',
      (b) => `${ACCESS}=forged; ${ACCESS}=${b.pair.access}`,
      FORGED_ACCESS,
    ],
    ['the real access cookie before a forged one', (b) => `${ACCESS}=${b.pair.access}; ${ACCESS}=forged`, ACCEPTED],
    [
      'an empty access cookie before the real one (empty is absent)',
      (b) => `${ACCESS}=; ${ACCESS}=${b.pair.access}`,
      NOT_PROVIDED,
    ],
  ])('GET /api/profile/ with %s', async (_name, cookie, expected) => {
    const browser = await browserLogin(server);
    expectExact(await profileWith(cookie(browser)), expected);
  });

  it('a forged refresh cookie before the real one is refused', async () => {
    const browser = await browserLogin(server);
    const cookie = `${REFRESH}=${flip(browser.pair.refresh, -2)}; ${REFRESH}=${browser.pair.refresh}; ${CSRF}=${browser.csrf}`;
    const response = await send(server, {
      method: 'POST',
      url: '/api/token/refresh/',
      cookie,
      headers: withCsrf(browser),
    });
    expectExact(response, tokenNotValid(INVALID));
    await expectUntouched(server, browser);
  });

  it('the real refresh cookie before a forged one refreshes', async () => {
    const browser = await browserLogin(server);
    const cookie = `${REFRESH}=${browser.pair.refresh}; ${REFRESH}=forged; ${CSRF}=${browser.csrf}`;
    const response = await send(server, {
      method: 'POST',
      url: '/api/token/refresh/',
      cookie,
      headers: withCsrf(browser),
    });
    expectExact(response, { status: 200, body: COOKIE_SESSION_BODY });
  });

  it.each<[string, (b: Browser, anon: string) => string, Expected]>([
    [
      'a tossed anonymous csrftoken before the real one',
      (b, anon) => `${CSRF}=${anon}; ${CSRF}=${b.csrf}`,
      {
        status: 403,
        body: { detail: 'CSRF Failed: CSRF token incorrect.', code: 'csrf_failed' },
      },
    ],
    [
      'the real csrftoken before a tossed one',
      (b, anon) => `${CSRF}=${b.csrf}; ${CSRF}=${anon}`,
      {
        status: 200,
        body: { message: 'All tokens revoked successfully' },
      },
    ],
  ])('POST /api/token/revoke-all/ with %s', async (_name, csrf, expected) => {
    const browser = await browserLogin(server);
    const anon = await anonymousCsrf(server);
    const cookie = `${ACCESS}=${browser.pair.access}; ${csrf(browser, anon)}`;
    const response = await send(server, {
      method: 'POST',
      url: '/api/token/revoke-all/',
      cookie,
      headers: withCsrf(browser),
    });
    expectExact(response, expected);
  });
});

describe('cookies with odd encodings', () => {
  it.each<[string, (b: Browser) => string, Expected]>([
    ['a quoted access cookie (the quotes are kept: no token)', (b) => `${ACCESS}="${b.pair.access}"`, FORGED_ACCESS],
    ['a percent-encoded access cookie (decoded)', (b) => `${ACCESS}=${percentAll(b.pair.access)}`, ACCEPTED],
    ['a malformed percent escape in the access cookie', (b) => `${ACCESS}=${b.pair.access}%E0%A4%A`, FORGED_ACCESS],
    ['an access cookie with spaces around the "="', (b) => `${ACCESS} = ${b.pair.access}`, ACCEPTED],
    ['an access cookie of 64 KiB', () => `${ACCESS}=${'A'.repeat(65_536)}`, FORGED_ACCESS],
    ['a NUL in the access cookie', (b) => `${ACCESS}=${b.pair.access}\u0000`, FORGED_ACCESS],
    ['control characters in the access cookie', (b) => `${ACCESS}=\u0001\u001f${b.pair.access}`, FORGED_ACCESS],
    ['the access cookie after 500 others', (b) => `${junk(500)}; ${ACCESS}=${b.pair.access}`, ACCEPTED],
    ['a forged access cookie among 500 others', () => `${junk(250)}; ${ACCESS}=forged; ${junk(250)}`, FORGED_ACCESS],
    ['the access cookie name upper-cased', (b) => `${ACCESS.toUpperCase()}=${b.pair.access}`, NOT_PROVIDED],
    ['the access cookie without its __Host- prefix', (b) => `tessera-access=${b.pair.access}`, NOT_PROVIDED],
    ['only separators', () => ';;; ;', NOT_PROVIDED],
    ['a name with no value', () => ACCESS, NOT_PROVIDED],
  ])('GET /api/profile/ with %s', async (_name, cookie, expected) => {
    const browser = await browserLogin(server);
    expectExact(await profileWith(cookie(browser)), expected);
  });

  it('an empty access cookie leaves the Bearer header in charge', async () => {
    const browser = await browserLogin(server);
    expectExact(await profileWith(`${ACCESS}=`, bearer(browser.pair.access)), ACCEPTED);
  });

  it.each<[string, (b: Browser) => [cookie: string, header: string], Expected]>([
    [
      'a percent-encoded csrftoken cookie, the header plain',
      (b) => [percentAll(b.csrf), b.csrf],
      {
        status: 200,
        body: { message: 'All tokens revoked successfully' },
      },
    ],
    [
      'a plain csrftoken cookie, the header percent-encoded',
      (b) => [b.csrf, percentAll(b.csrf)],
      {
        status: 403,
        body: { detail: 'CSRF Failed: CSRF token incorrect.', code: 'csrf_failed' },
      },
    ],
    [
      'a quoted csrftoken cookie (the quotes are kept), the header plain',
      (b) => [`"${b.csrf}"`, b.csrf],
      {
        status: 403,
        body: { detail: 'CSRF Failed: CSRF token incorrect.', code: 'csrf_failed' },
      },
    ],
  ])('POST /api/token/revoke-all/ with %s', async (_name, make, expected) => {
    const browser = await browserLogin(server);
    const [csrf, header] = make(browser);
    const cookie = `${ACCESS}=${browser.pair.access}; ${CSRF}=${csrf}`;
    const response = await send(server, {
      method: 'POST',
      url: '/api/token/revoke-all/',
      cookie,
      headers: { 'x-csrftoken': header, origin: TRUSTED_ORIGIN },
    });
    expectExact(response, expected);
  });
});

function junk(count: number): string {
  return Array.from({ length: count }, (_, i) => `c${i}=v${i}`).join('; ');
}

describe('random Cookie, X-CSRFToken and Origin headers (property)', () => {
  // The other session's tokens never go in the cookies: with its own CSRF token they would be a valid request.
  it('never answer 5xx, and change nothing without the session’s own token', async () => {
    const browser = await browserLogin(server);
    const other = await browserLogin(server);
    const anon = await anonymousCsrf(server);
    const sessionsBefore = await sessionIds(browser);
    const token = (kind: 'access' | 'refresh') =>
      fc.oneof(
        fc.constant(browser.pair[kind]),
        fc.constant(flip(browser.pair[kind], -2)),
        fc.string({ maxLength: 40 }),
      );
    const csrf = fc.oneof(
      fc.constant(other.csrf),
      fc.constant(anon),
      fc.constant(flip(browser.csrf, 3)),
      fc.constant(browser.csrf.toUpperCase()),
      fc.constant(browser.csrf.slice(0, -1)),
      fc.string({ maxLength: 70 }),
    );
    const cookiePart = fc.oneof(
      token('access').map((value) => `${ACCESS}=${value}`),
      token('refresh').map((value) => `${REFRESH}=${value}`),
      fc.oneof(csrf, fc.constant(browser.csrf)).map((value) => `${CSRF}=${value}`),
      fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 24 })).map(([name, value]) => `${name}=${value}`),
      fc.string({ maxLength: 30 }),
    );
    const origin = fc.option(
      fc.oneof(fc.constant(TRUSTED_ORIGIN), fc.constant('null'), fc.constant('https://evil.example'), fc.string()),
    );
    const header = fc.option(csrf);
    const endpoint = fc.constantFrom(...COOKIE_ENDPOINTS);
    const printable = (value: string) => !/[^\t\x20-\x7e]/.test(value);

    await fc.assert(
      fc.asyncProperty(
        endpoint,
        fc.array(cookiePart, { maxLength: 8 }),
        header,
        origin,
        async (target, parts, csrfHeader, originHeader) => {
          const headers: Record<string, string> = {};
          if (csrfHeader !== null && printable(csrfHeader)) headers['x-csrftoken'] = csrfHeader;
          if (originHeader !== null && printable(originHeader)) headers.origin = originHeader;
          const cookie = parts.join('; ');
          const response = await send(server, {
            method: target.method,
            url: target.url(browser),
            ...(printable(cookie) ? { cookie } : {}),
            headers,
            body: target.body,
          });
          expect(response.statusCode).toBeGreaterThanOrEqual(400);
          expect(response.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
    expect(await sessionIds(browser)).toEqual(sessionsBefore);
    const profile = await server.inject({ method: 'GET', url: '/api/profile/', headers: bearer(browser.pair.access) });
    expectExact(profile, ACCEPTED);
    await expectUntouched(server, other);
  });
});

async function sessionIds(browser: Browser): Promise<string[]> {
  const list = await server.inject({ method: 'GET', url: '/api/sessions/', headers: bearer(browser.pair.access) });
  expect(list.statusCode).toBe(200);
  return list
    .json<Array<{ id: string }>>()
    .map((session) => session.id)
    .sort();
}

it('leaves Object.prototype untouched', () => {
  expectPristinePrototypes();
});
