// Where tessera answers differently from the SimpleJWT peer on purpose: the
// one list. Each row named here is expected to differ, with exactly the
// answer given (normalised, tessera's wording kept); every other row must
// answer as the peer does. Each entry says which documented difference it is.
import type { Signature } from './normalise.js';

/** A documented reason for tessera to differ from SimpleJWT. */
export type Basis =
  /** An item of the contract's "Where tessera deliberately differs from SimpleJWT" (README: "How tessera differs"). */
  | { divergence: 1 | 2 | 3 | 4 | 5 | 6 | 7 }
  /** Another statement of the contract, quoted, that the seeds' SimpleJWT server does not keep. */
  | { contract: string };

export interface Divergence {
  basis: Basis;
  /** For the test's title. */
  why: string;
  /** tessera's answer, exactly. */
  tessera: Signature;
}

/**
 * Methods tessera serves beyond SimpleJWT's on the same path (README, "The
 * API"); taken out of `Allow` on both sides before comparing, and kept in a
 * divergence's exact answer.
 */
export const EXTENSION_METHODS: Readonly<Record<string, readonly string[]>> = {
  '/api/profile/': ['PATCH'],
};

const POST = 'OPTIONS, POST';
const PROFILE = 'GET, OPTIONS, PATCH';
const answer = (status: number, body: unknown, allow = POST): Signature => ({
  status,
  body,
  wwwAuthenticate: status === 401 ? 'Bearer realm="api"' : null,
  allow,
  location: null,
});

const PAIR = { refresh: '<jwt>', access: '<jwt>' };
const ROTATED = { access: '<jwt>', refresh: '<jwt>' };
const ALICE = { username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: 'alice@example.com' };
const REVOKED = { message: 'Token revoked successfully' };
const ALL_REVOKED = { message: 'All tokens revoked successfully' };
const INVALID = { error: 'Invalid token' };
const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' };
const ACCESS_BLACKLISTED = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is blacklisted' }],
};
const NOT_A_DICT = (type: string) => ({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] });
const TEXT_PLAIN = { detail: 'Unsupported media type "text/plain" in request.' };
const MULTIPART = 'multipart/form-data; boundary=conformanceboundary7MA4YWxk';

const SLASH = { contract: 'Every path is served with and without its trailing slash' };
const IDEMPOTENT = {
  contract:
    'Revoking is idempotent: /api/token/revoke/ and /api/auth/logout/ answer as above for a refresh token of the caller that is already revoked',
};
const NOT_THE_CALLERS = {
  contract: 'a token that is not a valid refresh token of the caller gets 400 {"error":"Invalid token"}',
};
const MISSING_FIELD = { contract: 'A missing field is the usual field error.' };
const NOT_AN_OBJECT = {
  contract:
    'A JSON value that is not an object gets 400 {"non_field_errors":["Invalid data. Expected a dictionary, but got list."]} (list, str, int, bool, NoneType as Python would name them)',
};
const MEDIA_TYPES = {
  contract: 'JSON and application/x-www-form-urlencoded are accepted; any other media type gets 415',
};

/** Entries of one basis: row name -> tessera's exact answer. */
function entries(basis: Basis, why: string, rows: Record<string, Signature>): [string, Divergence][] {
  return Object.entries(rows).map(([row, tessera]) => [row, { basis, why, tessera }]);
}

const LIST: [string, Divergence][] = [
  ...entries(SLASH, 'no 301 without the slash', {
    'POST /api/token (no slash) alice': answer(200, PAIR),
    'POST /api/auth/login (no slash) alice': answer(200, PAIR),
    'POST /api-token-auth (no slash) alice': answer(200, PAIR),
    'POST /api/token/refresh (no slash) valid': answer(200, ROTATED),
    'POST /api/auth/refresh (no slash) valid': answer(200, ROTATED),
    'verify: POST /api/token/verify (no slash)': answer(200, {}),
    'POST /api/token/blacklist (no slash) valid': answer(200, {}),
    'POST /api/token/revoke (no slash) own token': answer(200, REVOKED),
    'POST /api/auth/logout (no slash) own token': answer(205, ''),
    'GET /api/profile (no slash) valid Bearer': answer(200, ALICE, PROFILE),
    'POST /api/token/revoke-all (no slash) bob': answer(200, ALL_REVOKED),
  }),
  ...entries({ divergence: 1 }, 'divergence 1, single-use refresh with a grace window', {
    'refresh: reuse of the rotated token at once': answer(200, ROTATED),
  }),
  ...entries({ divergence: 2 }, 'divergence 2, reuse revokes the session', {
    'refresh: its successor after the reuse': answer(401, BLACKLISTED),
    'profile: successor access token after the reuse': answer(401, ACCESS_BLACKLISTED, PROFILE),
  }),
  ...entries({ divergence: 3 }, 'divergence 3, revocation reaches access tokens', {
    'profile: access token of the blacklisted session': answer(401, ACCESS_BLACKLISTED, PROFILE),
    "profile: bob's access token after revoke-all": answer(401, ACCESS_BLACKLISTED, PROFILE),
    'revoke: access token of the revoked session as Bearer': answer(401, ACCESS_BLACKLISTED),
    'logout: access token of the revoked session as Bearer': answer(401, ACCESS_BLACKLISTED),
  }),
  ...entries({ divergence: 4 }, 'divergence 4, verify of a revoked token is 401', {
    'verify: refresh token already rotated': answer(401, BLACKLISTED),
    'verify: blacklisted refresh token': answer(401, BLACKLISTED),
  }),
  ...entries({ divergence: 5 }, 'divergence 5, no 500s', {
    'refresh: no jti claim': answer(401, { detail: 'Token has no id', code: 'token_not_valid' }),
  }),
  ...entries({ contract: 'Claims of both tokens: `token_type` (`access` | `refresh`)' }, 'every token is typed', {
    'verify: no token_type claim': answer(401, { detail: 'Token has no type', code: 'token_not_valid' }),
  }),
  ...entries({ divergence: 7 }, 'divergence 7, the Bearer scheme in any case', {
    'profile: "bearer <access>" lower case': answer(200, ALICE, PROFILE),
    'profile: "BEARER <access>" upper case': answer(200, ALICE, PROFILE),
  }),
  ...entries(IDEMPOTENT, 'revoking is idempotent', {
    'revoke: the same token again': answer(200, REVOKED),
    'logout: the same token again': answer(205, ''),
  }),
  ...entries(NOT_THE_CALLERS, "another user's token is refused", {
    "revoke: foreign (bob's) refresh token": answer(400, INVALID),
    "logout: foreign (bob's) refresh token": answer(400, INVALID),
  }),
  ...entries(MISSING_FIELD, 'a missing field is a field error', {
    'revoke: refresh missing': answer(400, { refresh: ['This field is required.'] }),
    'logout: refresh missing': answer(400, { refresh: ['This field is required.'] }),
  }),
  ...entries(NOT_AN_OBJECT, 'a body that is not an object is named as Python would', {
    'login: JSON null': answer(400, NOT_A_DICT('NoneType')),
    'blacklist: JSON null': answer(400, NOT_A_DICT('NoneType')),
    'revoke: JSON list body': answer(400, NOT_A_DICT('list')),
    'logout: JSON list body': answer(400, NOT_A_DICT('list')),
  }),
  ...entries(MEDIA_TYPES, 'only JSON and form bodies', {
    'login: multipart/form-data, right password': answer(415, {
      detail: `Unsupported media type "${MULTIPART}" in request.`,
    }),
    'revoke: text/plain body': answer(415, TEXT_PLAIN),
    'logout: text/plain body': answer(415, TEXT_PLAIN),
    // DRF also lists its browsable API (text/html), which tessera does not serve.
    'OPTIONS /api/token/': answer(200, {
      name: '…',
      description: '…',
      renders: ['application/json'],
      parses: ['application/json', 'application/x-www-form-urlencoded'],
      actions: {
        POST: {
          username: { type: 'string', required: true, read_only: false, label: 'Username' },
          password: { type: 'string', required: true, read_only: false, label: 'Password' },
        },
      },
    }),
  }),
  ...entries(
    { contract: '/api/token/revoke-all/ | POST | Bearer | revoke every session of the caller -> 200' },
    'revoke-all succeeds whatever was revoked before',
    { 'revoke-all: alice (after rotations and blacklisting)': answer(200, ALL_REVOKED) },
  ),
];

/** Every documented divergence, by the name of its row. */
export const DIVERGENCES: ReadonlyMap<string, Divergence> = new Map(LIST);

/** How many entries the list has (a name given twice would be lost in the map). */
export const DIVERGENCE_ENTRIES = LIST.length;
