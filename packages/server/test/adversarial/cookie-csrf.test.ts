/**
 * Cookie mode's CSRF defence on every unsafe endpoint a cookie
 * authenticates: bad double-submit tokens and hostile Origin/Sec-Fetch-Site
 * values are refused with the exact reason and change nothing; the right
 * token from a trusted origin passes; Bearer requests never need either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS,
  COOKIE_ENDPOINTS,
  COOKIE_ENV,
  CSRF,
  OWN_ORIGIN,
  PAIR_BODY,
  REFRESH,
  TRUSTED_ORIGIN,
  anonymousCsrf,
  bearer,
  browserCookies,
  browserLogin,
  cookieHeader,
  csrfFailed,
  expectExact,
  expectUntouched,
  send,
  type Browser,
  type CookieEndpoint,
} from './cookie-support.js';
import {
  ALICE_PROFILE,
  BOB,
  createHostileServer,
  expectPristinePrototypes,
  flip,
  type HostileServer,
} from './support.js';

let server: HostileServer;
beforeAll(async () => {
  server = await createHostileServer(COOKIE_ENV);
});
afterAll(() => server.close());

/** What a row sends instead of the browser's own csrftoken cookie and X-CSRFToken header. */
interface Attack {
  /** The csrftoken cookie's value; `null` leaves the cookie out. */
  cookie: string | null;
  /** The header's value; `null` leaves it out. */
  header: string | null;
}

interface CsrfRow {
  name: string;
  attack: (browser: Browser) => Promise<Attack> | Attack;
  reason: string;
}

const MISSING = 'CSRF token missing.';
const NO_COOKIE = 'CSRF cookie not set.';
const INCORRECT = 'CSRF token incorrect.';
const both = (token: string): Attack => ({ cookie: token, header: token });

const CSRF_ROWS: readonly CsrfRow[] = [
  { name: 'no X-CSRFToken header', attack: (b) => ({ cookie: b.csrf, header: null }), reason: MISSING },
  { name: 'an empty X-CSRFToken header', attack: (b) => ({ cookie: b.csrf, header: '' }), reason: MISSING },
  { name: 'no csrftoken cookie', attack: (b) => ({ cookie: null, header: b.csrf }), reason: NO_COOKIE },
  { name: 'an empty csrftoken cookie', attack: (b) => ({ cookie: '', header: b.csrf }), reason: NO_COOKIE },
  { name: 'neither cookie nor header', attack: () => ({ cookie: null, header: null }), reason: NO_COOKIE },
  {
    name: 'a header one character off the cookie',
    attack: (b) => ({ cookie: b.csrf, header: flip(b.csrf, -1) }),
    reason: INCORRECT,
  },
  {
    name: 'a cookie one character off the header',
    attack: (b) => ({ cookie: flip(b.csrf, 0), header: b.csrf }),
    reason: INCORRECT,
  },
  { name: 'the same altered token in both', attack: (b) => both(flip(b.csrf, 30)), reason: INCORRECT },
  {
    name: "another session's token of alice's in both (replayed)",
    attack: async () => both((await browserLogin(server)).csrf),
    reason: INCORRECT,
  },
  {
    name: "bob's session's token in both",
    attack: async () => both((await browserLogin(server, BOB)).csrf),
    reason: INCORRECT,
  },
  {
    name: 'an anonymous token from GET /api/csrf/ in both',
    attack: async () => both(await anonymousCsrf(server)),
    reason: INCORRECT,
  },
  {
    name: "the browser's token followed by its session's nonce only, in both (truncated)",
    attack: (b) => both(b.csrf.split('.')[0]!),
    reason: INCORRECT,
  },
  { name: 'a token one character short in both', attack: (b) => both(b.csrf.slice(0, -1)), reason: INCORRECT },
  {
    name: 'a truncated header with the full cookie',
    attack: (b) => ({ cookie: b.csrf, header: b.csrf.slice(0, 20) }),
    reason: INCORRECT,
  },
  { name: 'the token upper-cased in both', attack: (b) => both(b.csrf.toUpperCase()), reason: INCORRECT },
  {
    name: 'the header upper-cased, the cookie intact',
    attack: (b) => ({ cookie: b.csrf, header: b.csrf.toUpperCase() }),
    reason: INCORRECT,
  },
  { name: 'the token with one more character in both', attack: (b) => both(`${b.csrf}A`), reason: INCORRECT },
  {
    name: 'a made-up token of the right shape in both',
    attack: () => both(`${'A'.repeat(22)}.${'B'.repeat(43)}`),
    reason: INCORRECT,
  },
  { name: '"null" in both', attack: () => both('null'), reason: INCORRECT },
  {
    name: 'the access token in both',
    attack: (b) => both(b.pair.access),
    reason: INCORRECT,
  },
  {
    name: 'the token twice, comma-joined, in the header',
    attack: (b) => ({ cookie: b.csrf, header: `${b.csrf}, ${b.csrf}` }),
    reason: INCORRECT,
  },
];

/** The browser's cookies to `endpoint`, with the csrftoken cookie replaced per `attack`. */
function cookiesWith(endpoint: CookieEndpoint, browser: Browser, attack: Attack): string {
  const cookies = browserCookies(endpoint.url(browser), browser).filter(([name]) => name !== CSRF);
  if (attack.cookie !== null) cookies.push([CSRF, attack.cookie]);
  return cookieHeader(cookies);
}

function sendTo(endpoint: CookieEndpoint, browser: Browser, attack: Attack, headers: Record<string, string> = {}) {
  return send(server, {
    method: endpoint.method,
    url: endpoint.url(browser),
    cookie: cookiesWith(endpoint, browser, attack),
    headers: { ...(attack.header === null ? {} : { 'x-csrftoken': attack.header }), ...headers },
    body: endpoint.body,
  });
}

describe.each(COOKIE_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
  'cookie-authenticated %s',
  (_name, endpoint) => {
    it('passes with the browser’s own token from a trusted origin (control)', async () => {
      const browser = await browserLogin(server);
      const expected = await endpoint.accepted(server, browser);
      expectExact(await sendTo(endpoint, browser, both(browser.csrf), { origin: TRUSTED_ORIGIN }), expected);
      await endpoint.restore?.(server, browser);
    });

    it.each(CSRF_ROWS.map((row) => [row.name, row] as const))(
      'refuses %s with 403 csrf_failed, changing nothing',
      async (_row, row) => {
        const browser = await browserLogin(server);
        const response = await sendTo(endpoint, browser, await row.attack(browser), { origin: TRUSTED_ORIGIN });
        expectExact(response, csrfFailed(row.reason));
        await expectUntouched(server, browser);
      },
    );
  },
);

const originFailed = (shown: string) =>
  csrfFailed(`Origin checking failed - ${shown} does not match any trusted origins.`);
const CROSS_SITE = csrfFailed('Cross-site request refused.');

/** Hostile request-origin headers, sent with the browser's valid token. */
const ORIGIN_ROWS: ReadonlyArray<readonly [string, Record<string, string>, ReturnType<typeof csrfFailed>]> = [
  ['Origin "null"', { origin: 'null' }, originFailed('null')],
  ['Origin of another site', { origin: 'https://evil.example' }, originFailed('https://evil.example')],
  [
    'a look-alike host (trusted origin as a subdomain)',
    { origin: 'https://app.example.com.evil.example' },
    originFailed('https://app.example.com.evil.example'),
  ],
  ['a look-alike host (hyphen)', { origin: 'https://app-example.com' }, originFailed('https://app-example.com')],
  ['a sibling subdomain', { origin: 'https://evil.example.com' }, originFailed('https://evil.example.com')],
  ['the trusted host over http', { origin: 'http://app.example.com' }, originFailed('http://app.example.com')],
  [
    'the trusted host on another port',
    { origin: 'https://app.example.com:8443' },
    originFailed('https://app.example.com:8443'),
  ],
  ['the trusted origin with a trailing slash', { origin: `${TRUSTED_ORIGIN}/` }, originFailed(`${TRUSTED_ORIGIN}/`)],
  ['the trusted origin upper-cased', { origin: 'HTTPS://APP.EXAMPLE.COM' }, originFailed('HTTPS://APP.EXAMPLE.COM')],
  [
    'two origins, the trusted one first',
    { origin: `${TRUSTED_ORIGIN}, https://evil.example` },
    originFailed(`${TRUSTED_ORIGIN}, https://evil.example`),
  ],
  [
    'two origins, the trusted one last',
    { origin: `https://evil.example, ${TRUSTED_ORIGIN}` },
    originFailed(`https://evil.example, ${TRUSTED_ORIGIN}`),
  ],
  ['the own host over https', { origin: 'https://localhost:80' }, originFailed('https://localhost:80')],
  ['the own host on another port', { origin: 'http://localhost:8080' }, originFailed('http://localhost:8080')],
  ['an empty Origin', { origin: '' }, originFailed('')],
  [
    'an Origin with quotes and a backslash (escaped in the detail)',
    { origin: 'https://evil.example/"\\' },
    originFailed('https://evil.example/\\"\\\\'),
  ],
  [
    'Origin "null" with Sec-Fetch-Site same-origin',
    { origin: 'null', 'sec-fetch-site': 'same-origin' },
    originFailed('null'),
  ],
  ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }, CROSS_SITE],
  ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }, CROSS_SITE],
  ['Sec-Fetch-Site SAME-ORIGIN (not a browser value)', { 'sec-fetch-site': 'SAME-ORIGIN' }, CROSS_SITE],
  ['an empty Sec-Fetch-Site', { 'sec-fetch-site': '' }, CROSS_SITE],
  ['two Sec-Fetch-Site values', { 'sec-fetch-site': 'same-origin, cross-site' }, CROSS_SITE],
];

/** Request-origin headers a same-origin or trusted page sends. */
const ALLOWED_ORIGINS: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['the own origin', { origin: OWN_ORIGIN }],
  ['a trusted origin', { origin: TRUSTED_ORIGIN }],
  ['Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin' }],
  ['Sec-Fetch-Site none', { 'sec-fetch-site': 'none' }],
  ['neither header (not a browser: the token alone decides)', {}],
  [
    'a trusted Origin with Sec-Fetch-Site cross-site (Origin decides)',
    { origin: TRUSTED_ORIGIN, 'sec-fetch-site': 'cross-site' },
  ],
];

describe.each(COOKIE_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
  'the origin of a cookie-authenticated %s',
  (_name, endpoint) => {
    it.each(ORIGIN_ROWS)('refuses %s, even with the right token', async (_row, headers, expected) => {
      const browser = await browserLogin(server);
      expectExact(await sendTo(endpoint, browser, both(browser.csrf), headers), expected);
      await expectUntouched(server, browser);
    });

    it.each(ALLOWED_ORIGINS)('accepts %s with the right token', async (_row, headers) => {
      const browser = await browserLogin(server);
      const expected = await endpoint.accepted(server, browser);
      expectExact(await sendTo(endpoint, browser, both(browser.csrf), headers), expected);
      await endpoint.restore?.(server, browser);
    });
  },
);

/** The same endpoints with Bearer or body credentials: no CSRF token, a hostile origin, and a bogus csrftoken. */
const HOSTILE = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', cookie: `${CSRF}=bogus` };

describe('Bearer and body credentials in cookie mode', () => {
  it.each(COOKIE_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s needs no CSRF token and ignores the origin',
    async (_name, endpoint) => {
      const browser = await browserLogin(server);
      // A refresh by body gets SimpleJWT's pair; one by cookie would answer no token.
      const expected = endpoint.name.startsWith('refresh')
        ? { status: 200, body: PAIR_BODY }
        : await endpoint.accepted(server, browser);
      const usesBody = ['refresh', 'refresh (auth alias)', 'blacklist'].includes(endpoint.name);
      const needsRefresh = usesBody || endpoint.name === 'logout' || endpoint.name === 'revoke';
      const body = needsRefresh ? { ...(endpoint.body as object), refresh: browser.pair.refresh } : endpoint.body;
      const response = await send(server, {
        method: endpoint.method,
        url: endpoint.url(browser),
        headers: { ...HOSTILE, ...(usesBody ? {} : bearer(browser.pair.access)) },
        body,
      });
      expectExact(response, expected);
      await endpoint.restore?.(server, browser);
    },
  );

  it('a refresh by body wins over a refresh cookie, with no CSRF token', async () => {
    const browser = await browserLogin(server);
    const other = await browserLogin(server);
    const response = await send(server, {
      method: 'POST',
      url: '/api/token/refresh/',
      cookie: cookieHeader([[REFRESH, other.pair.refresh]]),
      headers: { origin: 'https://evil.example' },
      body: { refresh: browser.pair.refresh },
    });
    expectExact(response, { status: 200, body: PAIR_BODY });
    await expectUntouched(server, other);
  });

  it('an explicit Bearer header decides over the access cookie, and needs no CSRF token', async () => {
    const browser = await browserLogin(server);
    const response = await send(server, {
      method: 'PATCH',
      url: '/api/profile/',
      cookie: cookieHeader([[ACCESS, browser.pair.access]]),
      headers: { ...bearer(browser.pair.access), origin: 'https://evil.example' },
      // Alice's own name again: the file's tests share her.
      body: { first_name: ALICE_PROFILE.first_name },
    });
    expectExact(response, { status: 200, body: ALICE_PROFILE });
  });
});

it('leaves Object.prototype untouched', () => {
  expectPristinePrototypes();
  expect(server).toBeDefined();
});
