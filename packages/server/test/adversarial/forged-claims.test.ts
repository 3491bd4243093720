/**
 * Tokens validly signed with the server's own key whose claims are missing,
 * mistyped or not the server's: what a leaked key, or a bug in the minter,
 * would produce. Each row changes one thing in the surface's fresh token.
 *
 * Check order (contract, claims.ts, auth/*.ts): signature, algorithm and the
 * time claims; then revocation (the refresh token's record, or the access
 * token's session); then exp, jti and token_type, in SimpleJWT's order; then
 * the user and session the token names.
 */
import { describe } from 'vitest';
import {
  BLACKLISTED,
  EXPIRED,
  HS256_HEADER,
  INVALID,
  NO_EXP,
  NO_ID,
  NO_TYPE,
  WRONG_TYPE,
  b64url,
  describeTokenTable,
  reclaim,
  rewritePayload,
  sign,
  withClaim,
  type TokenRow,
  type Verdict,
} from './support.js';

const at = (offset: number) => reclaim((claims) => ({ ...claims, exp: (claims.iat as number) + offset }));
const OTHER_ID = '0123456789abcdef0123456789abcdef';

const payloadRows: TokenRow[] = [
  ...(
    [
      ['an array of the claims', (claims: unknown) => [claims]],
      ['a string', () => 'alice'],
      ['a number', () => 1],
      ['null', () => null],
      ['true', () => true],
    ] as const
  ).map(([name, change]): TokenRow => ({
    name: `a claim set that is ${name}`,
    make: reclaim(change),
    verdict: INVALID,
  })),
  { name: 'an empty claim set', make: reclaim(() => ({})), verdict: NO_EXP },
  { name: 'a claim set that is not JSON', make: () => sign(HS256_HEADER, b64url('user_id=1')), verdict: INVALID },
];

const timeRows: TokenRow[] = [
  { name: 'no exp', make: withClaim('exp', undefined), verdict: NO_EXP },
  {
    name: 'exp only under __proto__',
    make: rewritePayload((json) => json.replace(/"exp":(\d+)/, '"__proto__":{"exp":$1}')),
    verdict: NO_EXP,
  },
  {
    name: 'exp as a numeric string',
    make: reclaim((claims) => ({ ...claims, exp: String(claims.exp) })),
    verdict: INVALID,
  },
  { name: 'exp null', make: withClaim('exp', null), verdict: INVALID },
  { name: 'exp true', make: withClaim('exp', true), verdict: INVALID },
  { name: 'exp as an array', make: reclaim((claims) => ({ ...claims, exp: [claims.exp] })), verdict: INVALID },
  { name: 'exp as an object', make: withClaim('exp', {}), verdict: INVALID },
  { name: 'exp 1e400', make: rewritePayload((json) => json.replace(/"exp":\d+/, '"exp":1e400')), verdict: INVALID },
  {
    name: 'exp with a fraction',
    make: rewritePayload((json) => json.replace(/"exp":(\d+)/, '"exp":$1.5')),
    verdict: INVALID,
  },
  { name: 'exp 2^53', make: withClaim('exp', 2 ** 53), verdict: INVALID },
  { name: 'exp negative', make: withClaim('exp', -1), verdict: EXPIRED },
  { name: 'exp zero', make: withClaim('exp', 0), verdict: EXPIRED },
  { name: 'exp a second in the past', make: at(-1), verdict: EXPIRED },
  { name: 'exp now (exp <= now is expired)', make: at(0), verdict: EXPIRED },
  {
    name: 'nbf a minute ahead',
    make: reclaim((claims) => ({ ...claims, nbf: (claims.iat as number) + 60 })),
    verdict: INVALID,
  },
  { name: 'nbf as a string', make: reclaim((claims) => ({ ...claims, nbf: String(claims.iat) })), verdict: INVALID },
  { name: 'nbf null', make: withClaim('nbf', null), verdict: INVALID },
  { name: 'iat as a string', make: reclaim((claims) => ({ ...claims, iat: String(claims.iat) })), verdict: INVALID },
  { name: 'iat null', make: withClaim('iat', null), verdict: INVALID },
  { name: 'iat 1e400', make: rewritePayload((json) => json.replace(/"iat":\d+/, '"iat":1e400')), verdict: INVALID },
];

const idAndTypeRows: TokenRow[] = [
  { name: 'no jti', make: withClaim('jti', undefined), verdict: NO_ID },
  { name: 'jti as a number', make: withClaim('jti', 1), verdict: INVALID },
  { name: 'jti null', make: withClaim('jti', null), verdict: INVALID },
  {
    name: 'jti upper-cased',
    make: reclaim((claims) => ({ ...claims, jti: String(claims.jti).toUpperCase() })),
    verdict: INVALID,
  },
  {
    name: 'jti one character short',
    make: reclaim((claims) => ({ ...claims, jti: String(claims.jti).slice(1) })),
    verdict: INVALID,
  },
  { name: "jti \"' OR '1'='1\"", make: withClaim('jti', "' OR '1'='1"), verdict: INVALID },
  // Access tokens are bound to their session, not to a stored jti.
  {
    name: 'jti of no token the server issued',
    make: withClaim('jti', OTHER_ID),
    verdict: INVALID,
    on: { 'verify/access': 'accepted', profile: 'accepted', 'revoke-all': 'accepted' },
  },
  { name: 'no token_type', make: withClaim('token_type', undefined), verdict: NO_TYPE },
  {
    name: 'token_type only under __proto__',
    make: rewritePayload((json) => json.replace(/"token_type":("\w+")/, '"__proto__":{"token_type":$1}')),
    verdict: NO_TYPE,
  },
  { name: 'token_type null', make: withClaim('token_type', null), verdict: WRONG_TYPE },
  { name: 'token_type 1', make: withClaim('token_type', 1), verdict: WRONG_TYPE },
  { name: 'token_type "id"', make: withClaim('token_type', 'id'), verdict: WRONG_TYPE },
  {
    name: 'token_type as an array',
    make: reclaim((claims) => ({ ...claims, token_type: [claims.token_type] })),
    verdict: WRONG_TYPE,
  },
  {
    name: 'token_type upper-cased',
    make: reclaim((claims) => ({ ...claims, token_type: String(claims.token_type).toUpperCase() })),
    verdict: WRONG_TYPE,
  },
  {
    name: 'token_type with a trailing space',
    make: reclaim((claims) => ({ ...claims, token_type: `${String(claims.token_type)} ` })),
    verdict: WRONG_TYPE,
  },
  {
    // A relabelled refresh token is a live access token of its session; a relabelled access token has no refresh record.
    name: 'token_type relabelled as the other type',
    make: reclaim((claims) => ({ ...claims, token_type: claims.token_type === 'access' ? 'refresh' : 'access' })),
    verdict: WRONG_TYPE,
    on: { 'verify/refresh': 'accepted', 'verify/access': INVALID },
  },
  {
    name: "the pair's other token",
    make: (token, { pair }) => (token === pair.access ? pair.refresh : pair.access),
    verdict: WRONG_TYPE,
    on: { 'verify/refresh': 'accepted', 'verify/access': 'accepted' },
  },
];

/**
 * A user_id other than the session's. Refresh and blacklist compare it with
 * the stored token; the protected endpoints look the user up; verify, as
 * SimpleJWT's, does not identify the user.
 */
function userIdRow(name: string, userId: unknown, onProtected: Verdict): TokenRow {
  return {
    name,
    make: withClaim('user_id', userId),
    // Verify, unlike SimpleJWT's, accepts only what the token's own endpoints would.
    verdict: INVALID,
    on: { profile: onProtected, 'revoke-all': onProtected },
  };
}

/**
 * A sid other than the token's own session. Refresh, blacklist and revoke
 * compare it with the stored token; an access token is read by its session.
 */
function sessionRow(
  name: string,
  sid: (bobSessionId: string) => unknown,
  access: { verify: Verdict; protected: Verdict },
): TokenRow {
  return {
    name,
    make: (token, context) => withClaim('sid', sid(context.bobSessionId))(token),
    verdict: INVALID,
    on: {
      'verify/access': access.verify,
      profile: access.protected,
      'revoke-all': access.protected,
    },
  };
}

const subjectRows: TokenRow[] = [
  userIdRow('no user_id', undefined, 'no_user_id'),
  userIdRow('user_id as a number', 1, 'no_user_id'),
  userIdRow('user_id null', null, 'no_user_id'),
  userIdRow('user_id "abc"', 'abc', 'no_user_id'),
  userIdRow('user_id "01"', '01', 'no_user_id'),
  userIdRow('user_id "1 OR 1=1"', '1 OR 1=1', 'no_user_id'),
  userIdRow('user_id of no user', '999', 'user_not_found'),
  userIdRow("user_id of bob's", '2', INVALID),
  sessionRow('no sid', () => undefined, { verify: BLACKLISTED, protected: INVALID }),
  sessionRow('sid null', () => null, { verify: BLACKLISTED, protected: INVALID }),
  sessionRow('sid as a number', () => 1, { verify: BLACKLISTED, protected: INVALID }),
  sessionRow('sid upper-cased', (bob) => bob.toUpperCase(), { verify: BLACKLISTED, protected: INVALID }),
  sessionRow('sid of no session', () => OTHER_ID, { verify: BLACKLISTED, protected: BLACKLISTED }),
  sessionRow("sid of a live session of bob's", (bob) => bob, { verify: INVALID, protected: INVALID }),
  // A token meant for another service is refused when no audience is configured, as PyJWT does.
  {
    name: 'aud "another-service" with no audience configured',
    make: withClaim('aud', 'another-service'),
    verdict: INVALID,
  },
  {
    name: 'aud ["another-service"] with no audience configured',
    make: withClaim('aud', ['another-service']),
    verdict: INVALID,
  },
  // Claims the server does not trust: the profile comes from the store, not the token.
  { name: 'username "admin"', make: withClaim('username', 'admin'), verdict: 'accepted' },
  {
    name: 'is_superuser, is_staff, role and permissions added',
    make: reclaim((claims) => ({ ...claims, is_superuser: true, is_staff: true, role: 'admin', permissions: ['*'] })),
    verdict: 'accepted',
  },
];

describe('forged claims: the claim set', () => {
  describeTokenTable(payloadRows);
});

describe('forged claims: exp, nbf and iat', () => {
  describeTokenTable(timeRows);
});

describe('forged claims: jti and token_type', () => {
  describeTokenTable(idAndTypeRows);
});

describe('forged claims: user_id, sid and the claims the server does not trust', () => {
  describeTokenTable(subjectRows);
});
