/**
 * Property-based fuzzing over tokens, Authorization headers and bodies: no
 * input gets a 5xx, every answer is JSON of a shape the contract allows, and
 * the server keeps answering. At least 10,000 runs per property in CI;
 * TESSERA_FUZZ_RUNS lowers or raises it locally (never below 10,000 in CI).
 */
import { details, tokenMessages, wwwAuthenticate } from '@tessera/protocol';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HS256_HEADER,
  b64url,
  claimsOf,
  createHostileServer,
  expectPristinePrototypes,
  segment,
  segmentsOf,
  sign,
  type HostileServer,
  type Pair,
} from './support.js';

const CI_MINIMUM_RUNS = 10_000;
const requested = Number(process.env.TESSERA_FUZZ_RUNS ?? CI_MINIMUM_RUNS);
const RUNS = process.env.CI === 'true' ? Math.max(CI_MINIMUM_RUNS, requested) : requested;
const FUZZ_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------- what an answer may be

type Shape = (body: unknown) => boolean;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const exactly =
  (expected: Record<string, unknown>): Shape =>
  (body) =>
    isObject(body) && JSON.stringify(body) === JSON.stringify(expected);
const TOKEN_MESSAGES = new Set<string>(Object.values(tokenMessages));

const tokenError: Shape = (body) =>
  isObject(body) &&
  Object.keys(body).join() === 'detail,code' &&
  body.code === 'token_not_valid' &&
  TOKEN_MESSAGES.has(body.detail as string);
/** 400 field errors: one list of messages per field, for the endpoint's fields only. */
const fieldErrors =
  (fields: readonly string[]): Shape =>
  (body) =>
    isObject(body) &&
    Object.keys(body).length > 0 &&
    Object.entries(body).every(
      ([name, messages]) =>
        fields.includes(name) && Array.isArray(messages) && messages.length === 1 && typeof messages[0] === 'string',
    );
const NON_FIELD = /^Invalid data\. Expected a dictionary, but got (list|str|int|float|bool|NoneType)\.$/;
const notADict: Shape = (body) =>
  isObject(body) &&
  Array.isArray(body.non_field_errors) &&
  body.non_field_errors.length === 1 &&
  NON_FIELD.test(String(body.non_field_errors[0]));
// V8's own words, never a quotation of the input.
const PARSE_ERROR =
  /^JSON parse error - (?:Unexpected token(?: '[\s\S]{1,2}')?|Unexpected end of JSON input|[A-Z][\w ',:{}[\]-]* (?:in|after) JSON at position \d+(?: \(line \d+ column \d+\))?)$/;
const parseError: Shape = (body) =>
  isObject(body) && Object.keys(body).join() === 'detail' && PARSE_ERROR.test(String(body.detail));
const unsupported: Shape = (body) =>
  isObject(body) &&
  Object.keys(body).join() === 'detail' &&
  /^Unsupported media type "[\s\S]*" in request\.$/.test(String(body.detail));
const MALFORMED = exactly({ detail: 'Malformed request.', code: 'parse_error' });
const TOO_LARGE = exactly({ detail: details.payloadTooLarge, code: 'payload_too_large' });
const PAIR_OF_TOKENS: Shape = (body) => isObject(body) && Object.keys(body).sort().join() === 'access,refresh';
const EMPTY = exactly({});
const BAD_CREDENTIALS = exactly({ detail: details.badCredentials });
const NO_ACTIVE_ACCOUNT = exactly({ detail: details.noActiveAccountForToken });
const PROTECTED_401: Shape[] = [
  exactly({ detail: details.notAuthenticated }),
  exactly({ detail: details.badAuthorizationHeader, code: 'bad_authorization_header' }),
  exactly({ detail: details.noUserIdentification, code: 'token_not_valid' }),
  exactly({ detail: details.userNotFound, code: 'user_not_found' }),
  exactly({ detail: details.userInactive, code: 'user_inactive' }),
  (body) =>
    isObject(body) &&
    body.detail === details.tokenNotValidForAnyType &&
    body.code === 'token_not_valid' &&
    Array.isArray(body.messages) &&
    body.messages.length === 1 &&
    TOKEN_MESSAGES.has((body.messages[0] as Record<string, string>).message ?? ''),
];

/** The shapes each status may have on an endpoint. */
type Allowed = Partial<Record<number, Shape[]>>;

function expectAllowed(response: LightMyRequestResponse, allowed: Allowed): void {
  expect(response.statusCode).toBeLessThan(500);
  const shapes = allowed[response.statusCode];
  const body: unknown = response.body === '' ? undefined : response.json();
  if (shapes === undefined || !shapes.some((shape) => shape(body))) {
    throw new Error(`unexpected answer ${response.statusCode} ${response.body.slice(0, 300)}`);
  }
  expect(response.headers['www-authenticate']).toBe(response.statusCode === 401 ? wwwAuthenticate : undefined);
}

const BODY_COMMON: Allowed = { 413: [TOO_LARGE], 415: [unsupported] };
const bodyErrors = (fields: readonly string[]): Shape[] => [fieldErrors(fields), notADict, parseError, MALFORMED];

// ---------------------------------------------------------------- endpoints

interface Target {
  name: string;
  url: string;
  field: string;
  allowed: Allowed;
}

const TOKEN_TARGETS: readonly Target[] = [
  {
    name: 'refresh',
    url: '/api/token/refresh/',
    field: 'refresh',
    allowed: { 200: [PAIR_OF_TOKENS], 401: [tokenError, NO_ACTIVE_ACCOUNT] },
  },
  { name: 'verify', url: '/api/token/verify/', field: 'token', allowed: { 200: [EMPTY], 401: [tokenError] } },
  { name: 'blacklist', url: '/api/token/blacklist/', field: 'refresh', allowed: { 200: [EMPTY], 401: [tokenError] } },
].map((target) => ({ ...target, allowed: { ...BODY_COMMON, ...target.allowed, 400: bodyErrors([target.field]) } }));

const PROTECTED: readonly { method: 'GET' | 'POST'; url: string }[] = [
  { method: 'GET', url: '/api/profile/' },
  { method: 'POST', url: '/api/token/revoke-all/' },
];
const PROTECTED_ALLOWED: Allowed = { 200: [(body) => isObject(body)], 401: PROTECTED_401 };

// ---------------------------------------------------------------- arbitraries

/** Any UTF-16 code unit, lone surrogates and NUL included. */
const anyText = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength });
const base64urlSegment = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);

/** Token strings: random segments, random claims signed with the real key, mutations of a real token, any text. */
function tokens(real: () => Pair) {
  const randomSegments = fc.array(base64urlSegment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));
  const claimSet = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        token_type: fc.constantFrom('access', 'refresh', 'ACCESS', '', null, 1),
        exp: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
        iat: fc.oneof(fc.integer(), fc.constant('x')),
        jti: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.string(), fc.integer()),
        user_id: fc.oneof(fc.constantFrom('1', '2', '999', '0', '-1', ''), fc.integer(), fc.string()),
        sid: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.string()),
        nbf: fc.integer(),
      },
      { requiredKeys: [] },
    ),
  );
  const header = fc.oneof(
    fc.constant({ alg: 'HS256', typ: 'JWT' }),
    fc.record(
      {
        alg: fc.constantFrom('HS256', 'none', 'HS512', 'RS256', ''),
        typ: fc.constantFrom('JWT', 'jwt'),
        kid: fc.string(),
      },
      { requiredKeys: ['alg'] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const signedClaims = fc.tuple(header, claimSet).map(([h, claims]) => sign(segment(h), segment(claims)));
  const realWithClaims = fc
    .tuple(
      fc.constantFrom<keyof Pair>('access', 'refresh'),
      fc.dictionary(
        fc.constantFrom('exp', 'jti', 'sid', 'user_id', 'token_type', 'nbf', 'iat'),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    )
    .map(([which, changes]) => sign(HS256_HEADER, segment({ ...claimsOf(real()[which]), ...changes })));
  const mutated = fc
    .tuple(
      fc.constantFrom<keyof Pair>('access', 'refresh'),
      fc.array(fc.tuple(fc.nat(), fc.nat(3), anyText(3)), { minLength: 1, maxLength: 4 }),
    )
    .map(([which, edits]) =>
      edits.reduce((token, [position, operation, text]) => {
        const at = position % (token.length + 1);
        if (operation === 0) return token.slice(0, at) + text + token.slice(at);
        if (operation === 1) return token.slice(0, at) + token.slice(at + text.length + 1);
        if (operation === 2) return token.slice(0, at) + text + token.slice(at + text.length);
        const [h, p, s] = segmentsOf(token);
        return [p, h, s].join('.');
      }, real()[which]),
    );
  const unpadded = fc
    .tuple(fc.jsonValue(), fc.jsonValue())
    .map(([h, p]) => `${b64url(JSON.stringify(h) ?? '')}.${b64url(JSON.stringify(p) ?? '')}.`);
  return fc.oneof(randomSegments, signedClaims, realWithClaims, mutated, unpadded, anyText(80));
}

const MEDIA_TYPES = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data; boundary=x',
    undefined,
  ),
  fc.string({ maxLength: 40 }),
);

/** Bodies: JSON of the fields with any values, any JSON value, any text; under any media type. */
function bodies(fields: readonly string[]) {
  const fieldValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    anyText(40),
    fc.constantFrom('alice', 'alice in wonderland', ' alice ', 'carol'),
  );
  const payload = fc.oneof(
    fc
      .dictionary(fc.constantFrom(...fields, '__proto__', 'constructor', 'extra'), fieldValue)
      .map((value) => JSON.stringify(value)),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? ''),
    fc
      .dictionary(fc.constantFrom(...fields, '__proto__'), anyText(20))
      .map((value) => new URLSearchParams(value).toString()),
    anyText(200),
  );
  return fc.record({ payload, contentType: MEDIA_TYPES });
}

const authorizationHeaders = (real: () => Pair) =>
  fc.oneof(
    anyText(60),
    fc
      .tuple(
        fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', ''),
        fc.constantFrom(' ', '\t', '  ', '\u00a0', ''),
        tokens(real),
      )
      .map(([scheme, gap, token]) => `${scheme}${gap}${token}`),
  );

// ---------------------------------------------------------------- properties

describe(`fuzzing (${RUNS} runs per property)`, () => {
  let server: HostileServer;
  let pair: Pair;
  beforeAll(async () => {
    server = await createHostileServer();
    pair = await server.login();
  });
  afterAll(() => server.close());
  const real = () => pair;

  it(
    'any token on the token endpoints gets 2xx or 4xx JSON of the contract',
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...TOKEN_TARGETS.keys()), tokens(real), async (index, token) => {
          const target = TOKEN_TARGETS[index] as Target;
          expectAllowed(await server.post(target.url, { [target.field]: token }), target.allowed);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it(
    "any Authorization header on the protected endpoints gets 200 or the contract's 401",
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...PROTECTED),
          authorizationHeaders(real),
          async ({ method, url }, authorization) => {
            expectAllowed(await server.inject({ method, url, headers: { authorization } }), PROTECTED_ALLOWED);
          },
        ),
        { numRuns: RUNS },
      );
    },
  );

  it(
    'any body on login and the token endpoints gets 2xx or 4xx JSON of the contract',
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      const LOGIN_FIELDS = ['username', 'password'] as const;
      const targets = [
        ...TOKEN_TARGETS.map((target) => ({ url: target.url, fields: [target.field], allowed: target.allowed })),
        {
          url: '/api/token/',
          fields: LOGIN_FIELDS,
          allowed: { ...BODY_COMMON, 200: [PAIR_OF_TOKENS], 400: bodyErrors(LOGIN_FIELDS), 401: [BAD_CREDENTIALS] },
        },
      ];
      // Counterexamples name the URL rather than print the target's functions.
      const byUrl = new Map(targets.map((target) => [target.url, target]));
      const cases = fc
        .constantFrom(...targets.map((target) => target.url))
        .chain((url) => fc.tuple(fc.constant(url), bodies(byUrl.get(url)?.fields ?? [])));
      await fc.assert(
        fc.asyncProperty(cases, async ([url, { payload, contentType }]) => {
          const target = byUrl.get(url);
          if (target === undefined) throw new Error(`no target ${url}`);
          const headers = contentType === undefined ? {} : { 'content-type': contentType };
          expectAllowed(await server.inject({ method: 'POST', url: target.url, payload, headers }), target.allowed);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it('keeps answering afterwards: health, a login, a profile, and no polluted prototype', async () => {
    const health = await server.inject({ method: 'GET', url: '/healthz' });
    expect({ status: health.statusCode, body: health.json<unknown>() }).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    const { access } = await server.login();
    const profile = await server.inject({
      method: 'GET',
      url: '/api/profile/',
      headers: { authorization: `Bearer ${access}` },
    });
    expect(profile.statusCode).toBe(200);
    expectPristinePrototypes();
  });
});
