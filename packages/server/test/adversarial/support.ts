/**
 * The adversarial suite's tools: a server with alice, bob and carol (its
 * hashing is the suites' fast argon2id, so that hundreds of rows can each
 * start from a fresh login), tokens forged
 * byte by byte with node:crypto, and the token-consuming surfaces with the
 * contract's answer for each verdict.
 */
import { createHmac } from 'node:crypto';
import { details, tokenMessages, wwwAuthenticate, type TokenMessage } from '@tessera/protocol';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET, claimsOf, createTestServer } from '../support/server.js';

export { TEST_SECRET, claimsOf };

// ---------------------------------------------------------------- forging

export const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');
/** A base64url segment of `value` as JSON. */
export const segment = (value: unknown): string => b64url(JSON.stringify(value));
export const HS256_HEADER = segment({ alg: 'HS256', typ: 'JWT' });

/** HMAC-`hash` of `input` under `key`, base64url: a signature the server's own key could make. */
export function mac(input: string, key: string | Uint8Array = TEST_SECRET, hash = 'sha256'): string {
  return createHmac(hash, key).update(input).digest('base64url');
}

/** `header.payload.signature` from encoded segments, signed with HMAC-`hash` under `key`. */
export function sign(header: string, payload: string, key: string | Uint8Array = TEST_SECRET, hash = 'sha256'): string {
  return `${header}.${payload}.${mac(`${header}.${payload}`, key, hash)}`;
}

/** The three segments of a compact token. */
export function segmentsOf(token: string): [header: string, payload: string, signature: string] {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return [header, payload, signature];
}

/** The token with its claims replaced by `change(claims)`, validly signed with the server's key. */
export const reclaim =
  (change: (claims: Record<string, unknown>) => unknown) =>
  (token: string): string =>
    sign(HS256_HEADER, segment(change({ ...claimsOf(token) })));

/** The token with claim `name` set to `value` (`undefined` removes it), validly signed. */
export const withClaim = (name: string, value: unknown) =>
  reclaim((claims) => {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
    return claims;
  });

/** The token with its payload JSON written by `write(claimsJson)` verbatim, validly signed. */
export const rewritePayload =
  (write: (json: string) => string) =>
  (token: string): string =>
    sign(HS256_HEADER, b64url(write(JSON.stringify(claimsOf(token)))));

/** The token with its header replaced by `header` (JSON-encoded), validly signed with the server's key. */
export const reheader =
  (header: unknown, key: string | Uint8Array = TEST_SECRET, hash = 'sha256') =>
  (token: string): string =>
    sign(segment(header), segmentsOf(token)[1], key, hash);

/** `text` with the character at `index` replaced by one whose significant bits differ. */
export function flip(text: string, index: number): string {
  const at = index < 0 ? text.length + index : index;
  return `${text.slice(0, at)}${text[at] === 'A' ? 'Q' : 'A'}${text.slice(at + 1)}`;
}

// ---------------------------------------------------------------- server

export const ALICE = { username: 'alice', password: 'alice in wonderland' } as const;
export const BOB = { username: 'bob', password: 'bob the builder' } as const;
export const ALICE_PROFILE = { username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: 'a@example.com' };

export interface Pair {
  access: string;
  refresh: string;
}

export interface HostileServer {
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** POSTs `payload` verbatim (a string is sent as is) with `headers`. */
  post(url: string, payload: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** A new session of `user` (alice by default), so that no row sees another's state. */
  login(user?: { username: string; password: string }): Promise<Pair>;
  close(): Promise<void>;
}

/**
 * The proxies the project trusts (`TESSERA_TEST_TRUSTED_PROXIES`): the
 * PostgreSQL run sets 127.0.0.1, where `app.inject` connects from, so that
 * every attack also arrives through a trusted proxy and its X-Forwarded-For is read.
 */
export const TRUSTED_PROXIES = process.env.TESSERA_TEST_TRUSTED_PROXIES ?? '';

/**
 * tessera on a fresh store with alice (active, id 1), bob (active) and carol
 * (inactive); `env` adds settings (cookie mode).
 */
export async function createHostileServer(env: Record<string, string> = {}): Promise<HostileServer> {
  const server = await createTestServer({ TESSERA_TRUSTED_PROXIES: TRUSTED_PROXIES, ...env });
  await server.createUser(ALICE.username, ALICE.password, {
    firstName: 'Alice',
    lastName: 'Liddell',
    email: 'a@example.com',
  });
  await server.createUser(BOB.username, BOB.password);
  await server.createUser('carol', 'carol sings', { isActive: false });
  return {
    inject: (options) => server.app.inject(options),
    post: (url, payload, headers) => server.post(url, payload, headers),
    login: (user = ALICE) => server.login(user.username, user.password),
    close: () => server.close(),
  };
}

// ---------------------------------------------------------------- verdicts and surfaces

/**
 * What the server must make of a token: accept it, refuse it with one of
 * SimpleJWT's token messages, or one of the protected endpoints' own answers.
 */
export type Verdict =
  'accepted' | TokenMessage | 'bad_authorization_header' | 'no_user_id' | 'user_not_found' | { field: string };

export const INVALID: Verdict = tokenMessages.invalid;
export const EXPIRED: Verdict = tokenMessages.expired;
export const BLACKLISTED: Verdict = tokenMessages.blacklisted;
export const WRONG_TYPE: Verdict = tokenMessages.wrongType;
export const NO_TYPE: Verdict = tokenMessages.noType;
export const NO_ID: Verdict = tokenMessages.noId;
export const NO_EXP: Verdict = tokenMessages.noExp;

/** A readable name for a verdict, for test titles. */
export function verdictName(verdict: Verdict): string {
  return typeof verdict === 'string' ? verdict : `400 "${verdict.field}"`;
}

export interface Expected {
  status: number;
  body: unknown;
}

export type SurfaceName =
  'refresh' | 'verify/refresh' | 'verify/access' | 'blacklist' | 'revoke' | 'profile' | 'revoke-all';

/** One place a token is presented, and the contract's answer to each verdict there. */
export interface Surface {
  name: SurfaceName;
  title: string;
  /** Whether the token travels in the JSON body or the Authorization header. */
  carrier: 'body' | 'bearer';
  /** Which of a fresh pair's tokens a row starts from. */
  base: keyof Pair;
  send(server: HostileServer, pair: Pair, token: string): Promise<LightMyRequestResponse>;
  expected(verdict: Verdict): Expected;
}

/** A compact JWS with the signature of HS256 (43 characters), EdDSA or ES256 (86), or RS256 with 2048 bits (342). */
const JWS = /^[\w-]+\.[\w-]+\.(?:[\w-]{43}|[\w-]{86}|[\w-]{342})$/;

const tokenNotValid = (message: TokenMessage): Expected => ({
  status: 401,
  body: { detail: message, code: 'token_not_valid' },
});

function bodySurface(name: SurfaceName, url: string, field: string, base: keyof Pair, accepted: unknown): Surface {
  return {
    name,
    title: `POST ${url} {"${field}": …}${name.startsWith('verify') ? ` (from ${base})` : ''}`,
    carrier: 'body',
    base,
    send: (server, _pair, token) => server.post(url, { [field]: token }),
    expected(verdict) {
      if (verdict === 'accepted') return { status: 200, body: accepted };
      if (typeof verdict === 'object') return { status: 400, body: { [field]: [verdict.field] } };
      if (!isTokenMessage(verdict)) throw new Error(`${verdict} cannot happen at ${url}`);
      return tokenNotValid(verdict);
    },
  };
}

function bearerSurface(name: SurfaceName, method: 'GET' | 'POST', url: string, accepted: unknown): Surface {
  return {
    name,
    title: `${method} ${url} with Authorization: Bearer …`,
    carrier: 'bearer',
    base: 'access',
    send: (server, _pair, token) => server.inject({ method, url, headers: { authorization: `Bearer ${token}` } }),
    expected: (verdict) => bearerAnswer(verdict, accepted),
  };
}

/** The contract's answer of a protected endpoint whose other answer is `accepted`. */
export function bearerAnswer(verdict: Verdict | 'not_provided', accepted: unknown): Expected {
  if (verdict === 'accepted') return { status: 200, body: accepted };
  if (verdict === 'not_provided') return { status: 401, body: { detail: details.notAuthenticated } };
  if (verdict === 'bad_authorization_header') {
    return { status: 401, body: { detail: details.badAuthorizationHeader, code: 'bad_authorization_header' } };
  }
  if (verdict === 'no_user_id') {
    return { status: 401, body: { detail: details.noUserIdentification, code: 'token_not_valid' } };
  }
  if (verdict === 'user_not_found') {
    return { status: 401, body: { detail: details.userNotFound, code: 'user_not_found' } };
  }
  if (typeof verdict === 'object') throw new Error('a field error cannot happen on a Bearer header');
  return {
    status: 401,
    body: {
      detail: details.tokenNotValidForAnyType,
      code: 'token_not_valid',
      messages: [{ token_class: 'AccessToken', token_type: 'access', message: verdict }],
    },
  };
}

const isTokenMessage = (value: string): value is TokenMessage =>
  (Object.values(tokenMessages) as string[]).includes(value);

/** The revoke endpoint: a valid Bearer of the same session, the hostile token in the body. */
const revokeSurface: Surface = {
  name: 'revoke',
  title: 'POST /api/token/revoke/ {"refresh": …} with a valid Bearer',
  carrier: 'body',
  base: 'refresh',
  send: (server, pair, token) =>
    server.post('/api/token/revoke/', { refresh: token }, { authorization: `Bearer ${pair.access}` }),
  expected(verdict) {
    if (verdict === 'accepted') return { status: 200, body: { message: 'Token revoked successfully' } };
    if (typeof verdict === 'object') return { status: 400, body: { refresh: [verdict.field] } };
    if (!isTokenMessage(verdict)) throw new Error(`${verdict} cannot happen at /api/token/revoke/`);
    // "A token that is not a valid refresh token of the caller gets 400".
    return { status: 400, body: { error: details.invalidToken } };
  },
};

const PAIR_BODY = { access: expect.stringMatching(JWS) as unknown, refresh: expect.stringMatching(JWS) as unknown };

/** Every place a token is presented: the three token endpoints, revoke, and two protected endpoints. */
export const SURFACES: readonly Surface[] = [
  bodySurface('refresh', '/api/token/refresh/', 'refresh', 'refresh', PAIR_BODY),
  bodySurface('verify/refresh', '/api/token/verify/', 'token', 'refresh', {}),
  bodySurface('verify/access', '/api/token/verify/', 'token', 'access', {}),
  bodySurface('blacklist', '/api/token/blacklist/', 'refresh', 'refresh', {}),
  revokeSurface,
  bearerSurface('profile', 'GET', '/api/profile/', ALICE_PROFILE),
  bearerSurface('revoke-all', 'POST', '/api/token/revoke-all/', { message: 'All tokens revoked successfully' }),
];

/** Asserts that no hostile key reached Object.prototype. */
export function expectPristinePrototypes(): void {
  const probe: Record<string, unknown> = {};
  const keys = ['admin', 'alg', 'exp', 'isActive', 'is_superuser', 'kid', 'password', 'token_type', 'username'];
  expect(keys.filter((key) => key in probe)).toEqual([]);
}

/** Asserts the exact status and JSON body, `WWW-Authenticate` exactly on 401, and never a 5xx. */
export function expectAnswer(response: LightMyRequestResponse, expected: Expected): void {
  expect(response.statusCode).toBeLessThan(500);
  expect({ status: response.statusCode, body: response.json<unknown>() }).toEqual(expected);
  expect(response.headers['www-authenticate']).toBe(expected.status === 401 ? wwwAuthenticate : undefined);
}

// ---------------------------------------------------------------- token tables

/** What a row needs besides the token it starts from. */
export interface RowContext {
  pair: Pair;
  /** A live session of bob's. */
  bobSessionId: string;
  /** The server's JWKS: the public keys a forger can read. */
  publicKeys: ReadonlyArray<Record<string, string>>;
}

/**
 * One hostile token: made from the surface's own fresh token, refused (or
 * accepted) alike everywhere unless `on` says otherwise for a surface or a
 * carrier.
 */
export interface TokenRow {
  name: string;
  make: (token: string, context: RowContext) => string;
  verdict: Verdict;
  on?: Partial<Record<SurfaceName | 'body' | 'bearer', Verdict>>;
}

/**
 * Runs every row on every surface, each cell on a fresh login of alice's:
 * the exact status and body, and `WWW-Authenticate` exactly on 401. `env`
 * configures the server (a signing algorithm, say).
 */
export function describeTokenTable(rows: readonly TokenRow[], env: Record<string, string> = {}): void {
  let server: HostileServer;
  let bobSessionId: string;
  let publicKeys: RowContext['publicKeys'] = [];
  beforeAll(async () => {
    server = await createHostileServer(env);
    bobSessionId = claimsOf((await server.login(BOB)).access).sid as string;
    publicKeys = (await server.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{
      keys: RowContext['publicKeys'];
    }>().keys;
  });
  afterAll(() => server.close());

  describe.each(SURFACES.map((surface) => [surface.title, surface] as const))('%s', (_title, surface) => {
    const cells = rows.map((row) => {
      const verdict = verdictOn(row, surface);
      return [row.name, verdictName(verdict), row, verdict] as const;
    });
    it.each(cells)('%s → %s', async (_name, _verdictName, row, verdict) => {
      const pair = await server.login();
      const token = row.make(pair[surface.base], { pair, bobSessionId, publicKeys });
      expectAnswer(await surface.send(server, pair, token), surface.expected(verdict));
    });
  });

  it('leaves Object.prototype untouched', () => {
    expectPristinePrototypes();
  });
}

/** The verdict of `row` on `surface`. */
export function verdictOn(row: TokenRow, surface: Surface): Verdict {
  return row.on?.[surface.name] ?? row.on?.[surface.carrier] ?? row.verdict;
}
