import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenError } from '../../src/errors.js';
import {
  createTokenMinter,
  readToken,
  requireClaims,
  sessionIdOf,
  userIdOf,
  type TokenSettings,
  type TokenSubject,
  type TokenType,
} from '../../src/tokens/claims.js';
import { hs256Codec } from '../support/codec.js';
import { createManualClock } from '../support/clock.js';

const KEY = 'the-real-signing-key-of-this-suite-0123456789';
const jwt = hs256Codec(KEY);

const NOW_MS = Date.UTC(2026, 0, 1);
const NOW = NOW_MS / 1000;
const JTI = '0123456789abcdef0123456789abcdef';
const SID = 'fedcba9876543210fedcba9876543210';

const SETTINGS: TokenSettings = {
  accessTokenTtlSeconds: 300,
  refreshTokenTtlSeconds: 86_400,
  sessionMaxAgeSeconds: 2_592_000,
  refreshGraceSeconds: 10,
  extraClaims: [],
  issuer: undefined,
  audience: undefined,
  leewaySeconds: 0,
};

/**
 * A token whose payload is `json` verbatim, validly signed: the codec's own
 * signer would rewrite some claims, and JSON.stringify cannot write `1e400`.
 */
function tokenOf(json: string): string {
  const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(json).toString('base64url')}`;
  return `${input}.${createHmac('sha256', KEY).update(input).digest('base64url')}`;
}

/** `'valid'`, or the message of the TokenError thrown; any other error fails the test. */
function read(json: string, settings: Partial<TokenSettings> = {}, nowMs = NOW_MS): string {
  const clock = createManualClock(nowMs);
  try {
    readToken(jwt, { ...SETTINGS, ...settings }, clock, tokenOf(json));
    return 'valid';
  } catch (error) {
    if (error instanceof TokenError) return error.tokenMessage;
    throw error;
  }
}

const INVALID = 'Token is invalid';
const EXPIRED = 'Token is expired';

describe('readToken: exp', () => {
  const rows: Array<[string, string, Partial<TokenSettings>, number, string]> = [
    ['a string', `{"exp":"${NOW + 60}"}`, {}, NOW_MS, INVALID],
    ['null', '{"exp":null}', {}, NOW_MS, INVALID],
    ['true', '{"exp":true}', {}, NOW_MS, INVALID],
    ['an array', `{"exp":[${NOW + 60}]}`, {}, NOW_MS, INVALID],
    ['1e400 (infinite once parsed)', '{"exp":1e400}', {}, NOW_MS, INVALID],
    ['a fraction', `{"exp":${NOW + 60}.5}`, {}, NOW_MS, INVALID],
    ['past the largest safe integer', '{"exp":9007199254740992}', {}, NOW_MS, INVALID],
    ['negative', '{"exp":-1}', {}, NOW_MS, EXPIRED],
    ['zero', '{"exp":0}', {}, NOW_MS, EXPIRED],
    ['one second in the past', `{"exp":${NOW - 1}}`, {}, NOW_MS, EXPIRED],
    ['exactly now (exp <= now)', `{"exp":${NOW}}`, {}, NOW_MS, EXPIRED],
    ['one second ahead', `{"exp":${NOW + 1}}`, {}, NOW_MS, 'valid'],
    ['one second ahead, 999 ms later', `{"exp":${NOW + 1}}`, {}, NOW_MS + 999, 'valid'],
    ['one second ahead, 1000 ms later', `{"exp":${NOW + 1}}`, {}, NOW_MS + 1000, EXPIRED],
    ['written with ".0" (an integer once parsed, as in Python)', `{"exp":${NOW + 60}.0}`, {}, NOW_MS, 'valid'],
    ['the largest safe integer', '{"exp":9007199254740991}', {}, NOW_MS, 'valid'],
    ['4 s past with a 5 s leeway', `{"exp":${NOW - 4}}`, { leewaySeconds: 5 }, NOW_MS, 'valid'],
    ['5 s past with a 5 s leeway', `{"exp":${NOW - 5}}`, { leewaySeconds: 5 }, NOW_MS, EXPIRED],
    ['absent (requireClaims reports it)', '{}', {}, NOW_MS, 'valid'],
  ];

  it.each(rows)('exp %s → %s', (_name, json, settings, nowMs, expected) => {
    expect(read(json, settings, nowMs)).toBe(expected);
  });
});

describe('readToken: nbf and iat', () => {
  const rows: Array<[string, string, Partial<TokenSettings>, string]> = [
    ['nbf one second ahead', `{"nbf":${NOW + 1}}`, {}, INVALID],
    ['nbf exactly now', `{"nbf":${NOW}}`, {}, 'valid'],
    ['nbf in the past', `{"nbf":${NOW - 60}}`, {}, 'valid'],
    ['nbf 5 s ahead with a 5 s leeway', `{"nbf":${NOW + 5}}`, { leewaySeconds: 5 }, 'valid'],
    ['nbf 6 s ahead with a 5 s leeway', `{"nbf":${NOW + 6}}`, { leewaySeconds: 5 }, INVALID],
    ['nbf as a string', `{"nbf":"${NOW}"}`, {}, INVALID],
    ['nbf as a fraction', `{"nbf":${NOW - 60}.5}`, {}, INVALID],
    ['nbf null', '{"nbf":null}', {}, INVALID],
    ['iat as a fraction', `{"iat":${NOW}.5}`, {}, INVALID],
    ['iat as a string', `{"iat":"${NOW}"}`, {}, INVALID],
    ['iat null', '{"iat":null}', {}, INVALID],
    ['iat 1e400', '{"iat":1e400}', {}, INVALID],
    ['iat an integer', `{"iat":${NOW}}`, {}, 'valid'],
    // Only iat's type is checked: an iat from the future is tolerated (clock skew between instances).
    ['iat an hour ahead', `{"iat":${NOW + 3600}}`, {}, 'valid'],
    // Check order, as PyJWT's: the time claims' types, nbf, exp, then iss and aud.
    ['nbf ahead on an expired token', `{"nbf":${NOW + 60},"exp":${NOW - 60}}`, {}, INVALID],
    ['a malformed iat on an expired token', `{"iat":"x","exp":${NOW - 60}}`, {}, INVALID],
    ['the wrong issuer on an expired token', `{"exp":${NOW - 60},"iss":"other"}`, { issuer: 'tessera' }, EXPIRED],
  ];

  it.each(rows)('%s → %s', (_name, json, settings, expected) => {
    expect(read(json, settings)).toBe(expected);
  });
});

describe('readToken: iss and aud', () => {
  const exp = NOW + 60;
  const rows: Array<[string, string, Partial<TokenSettings>, string]> = [
    ['iss missing when an issuer is configured', `{"exp":${exp}}`, { issuer: 'tessera' }, INVALID],
    ['iss wrong', `{"exp":${exp},"iss":"other"}`, { issuer: 'tessera' }, INVALID],
    ['iss of another case', `{"exp":${exp},"iss":"Tessera"}`, { issuer: 'tessera' }, INVALID],
    ['iss as an array', `{"exp":${exp},"iss":["tessera"]}`, { issuer: 'tessera' }, INVALID],
    ['iss right', `{"exp":${exp},"iss":"tessera"}`, { issuer: 'tessera' }, 'valid'],
    ['iss present when no issuer is configured', `{"exp":${exp},"iss":"anyone"}`, {}, 'valid'],
    ['aud missing when an audience is configured', `{"exp":${exp}}`, { audience: 'clients' }, INVALID],
    ['aud wrong', `{"exp":${exp},"aud":"other"}`, { audience: 'clients' }, INVALID],
    ['aud an empty array', `{"exp":${exp},"aud":[]}`, { audience: 'clients' }, INVALID],
    ['aud an array without ours', `{"exp":${exp},"aud":["a","b"]}`, { audience: 'clients' }, INVALID],
    ['aud as an object', `{"exp":${exp},"aud":{"clients":true}}`, { audience: 'clients' }, INVALID],
    ['aud right', `{"exp":${exp},"aud":"clients"}`, { audience: 'clients' }, 'valid'],
    ['aud an array containing ours', `{"exp":${exp},"aud":["web","clients"]}`, { audience: 'clients' }, 'valid'],
    ['aud an array with a number beside ours', `{"exp":${exp},"aud":["clients",1]}`, { audience: 'clients' }, INVALID],
    // PyJWT refuses a token meant for an audience when none is configured, unless its aud is empty.
    ['aud present when no audience is configured', `{"exp":${exp},"aud":"anyone"}`, {}, INVALID],
    ['aud a list when no audience is configured', `{"exp":${exp},"aud":["anyone"]}`, {}, INVALID],
    ['aud an object when no audience is configured', `{"exp":${exp},"aud":{"a":1}}`, {}, INVALID],
    ['aud true when no audience is configured', `{"exp":${exp},"aud":true}`, {}, INVALID],
    ['aud "" when no audience is configured', `{"exp":${exp},"aud":""}`, {}, 'valid'],
    ['aud [] when no audience is configured', `{"exp":${exp},"aud":[]}`, {}, 'valid'],
    ['aud null when no audience is configured', `{"exp":${exp},"aud":null}`, {}, 'valid'],
    [
      'both configured and both right',
      `{"exp":${exp},"iss":"tessera","aud":"clients"}`,
      { issuer: 'tessera', audience: 'clients' },
      'valid',
    ],
  ];

  it.each(rows)('%s → %s', (_name, json, settings, expected) => {
    expect(read(json, settings)).toBe(expected);
  });

  it('returns the claims of a token that passes, in their order', () => {
    const claims = readToken(jwt, SETTINGS, createManualClock(NOW_MS), tokenOf(`{"z":1,"exp":${NOW + 1},"a":2}`));
    expect(Object.entries(claims)).toEqual([
      ['z', 1],
      ['exp', NOW + 1],
      ['a', 2],
    ]);
  });
});

describe('requireClaims', () => {
  const base = { exp: NOW + 60, jti: JTI, token_type: 'access' };
  const without = (name: keyof typeof base): Record<string, unknown> => {
    const claims: Record<string, unknown> = { ...base };
    delete claims[name];
    return claims;
  };

  const rows: Array<[string, Record<string, unknown>, TokenType | undefined, string]> = [
    // SimpleJWT's order: exp, then jti, then the type.
    ['no claims at all', {}, 'access', "Token has no 'exp' claim"],
    ['no exp', without('exp'), 'access', "Token has no 'exp' claim"],
    ['no jti and no type', { exp: NOW + 60 }, 'access', 'Token has no id'],
    ['no jti', without('jti'), 'access', 'Token has no id'],
    ['a jti of 31 characters', { ...base, jti: JTI.slice(1) }, 'access', INVALID],
    ['a jti of 33 characters', { ...base, jti: `${JTI}0` }, 'access', INVALID],
    ['an upper-case jti', { ...base, jti: JTI.toUpperCase() }, 'access', INVALID],
    ['a jti with a trailing newline', { ...base, jti: `${JTI}\n` }, 'access', INVALID],
    ['a UUID jti', { ...base, jti: '01234567-89ab-cdef-0123-456789abcdef' }, 'access', INVALID],
    ['a numeric jti', { ...base, jti: 1 }, 'access', INVALID],
    ['a null jti', { ...base, jti: null }, 'access', INVALID],
    ['a malformed jti and no type', { exp: NOW + 60, jti: 'x' }, 'access', INVALID],
    ['no type', without('token_type'), 'access', 'Token has no type'],
    ['a refresh token where access is wanted', { ...base, token_type: 'refresh' }, 'access', 'Token has wrong type'],
    ['an access token where refresh is wanted', base, 'refresh', 'Token has wrong type'],
    ['a null type', { ...base, token_type: null }, 'access', 'Token has wrong type'],
    ['a type of another case', { ...base, token_type: 'ACCESS' }, 'access', 'Token has wrong type'],
    ['an access token where access is wanted', base, 'access', 'valid'],
    ['a refresh token where refresh is wanted', { ...base, token_type: 'refresh' }, 'refresh', 'valid'],
    // No expected type (/api/token/verify/): the type must still be one of ours.
    ['no type, none expected', without('token_type'), undefined, 'Token has no type'],
    ['an unknown type, none expected', { ...base, token_type: 'id' }, undefined, 'Token has wrong type'],
    ['an access token, none expected', base, undefined, 'valid'],
    ['a refresh token, none expected', { ...base, token_type: 'refresh' }, undefined, 'valid'],
  ];

  it.each(rows)('%s → %s', (_name, claims, expectedType, expected) => {
    let outcome = 'valid';
    try {
      expect(requireClaims(claims, expectedType)).toBe(claims);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      outcome = error.tokenMessage;
    }
    expect(outcome).toBe(expected);
  });
});

describe('userIdOf and sessionIdOf', () => {
  const userIds: Array<[unknown, number | undefined]> = [
    ['1', 1],
    ['42', 42],
    ['9007199254740991', 9_007_199_254_740_991],
    ['0', undefined],
    ['01', undefined],
    [' 1', undefined],
    ['1 ', undefined],
    ['+1', undefined],
    ['-1', undefined],
    ['1.0', undefined],
    ['1e3', undefined],
    ['0x1', undefined],
    ['', undefined],
    ['١', undefined],
    ['9007199254740992', undefined],
    ['9007199254740993', undefined],
    ['12345678901234567', undefined],
    [1, undefined],
    [null, undefined],
    [undefined, undefined],
    [['1'], undefined],
  ];

  it.each(userIds)('user_id %j → %j', (userId, expected) => {
    expect(userIdOf(userId === undefined ? {} : { user_id: userId })).toBe(expected);
  });

  const sessionIds: Array<[unknown, string | undefined]> = [
    [SID, SID],
    [SID.toUpperCase(), undefined],
    [SID.slice(1), undefined],
    [`${SID}0`, undefined],
    [`${SID}\n`, undefined],
    [`${SID.slice(1)}g`, undefined],
    [1, undefined],
    [null, undefined],
    [undefined, undefined],
  ];

  it.each(sessionIds)('sid %j → %j', (sid, expected) => {
    expect(sessionIdOf(sid === undefined ? {} : { sid })).toBe(expected);
  });
});

describe('createTokenMinter', () => {
  const subject: TokenSubject = {
    id: 7,
    username: 'alice',
    role: 'editor',
    permissions: ['blog.add_post'],
    is_staff: true,
    is_superuser: false,
    email_verified: true,
  };
  const REFRESH_JTI = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

  it('mints the base claims in SimpleJWT order: token_type, exp, iat, jti, user_id, username, sid', () => {
    const clock = createManualClock(NOW_MS + 750);
    const issued = createTokenMinter(jwt, SETTINGS, clock).mint('access', subject, SID, JTI);
    const claims = jwt.verify(issued.token);
    expect(Object.entries(claims)).toEqual([
      ['token_type', 'access'],
      ['exp', NOW + 300],
      ['iat', NOW],
      ['jti', JTI],
      ['user_id', '7'],
      ['username', 'alice'],
      ['sid', SID],
    ]);
    expect(issued).toEqual({ token: issued.token, jti: JTI, issuedAt: NOW_MS, expiresAt: NOW_MS + 300_000 });
  });

  it('adds the extra claims in their configured order, then iss, then aud', () => {
    const settings: TokenSettings = {
      ...SETTINGS,
      extraClaims: ['is_superuser', 'permissions', 'role', 'is_staff', 'email_verified'],
      issuer: 'tessera',
      audience: 'clients',
    };
    const issued = createTokenMinter(jwt, settings, createManualClock(NOW_MS)).mint(
      'refresh',
      subject,
      SID,
      REFRESH_JTI,
    );
    expect(Object.entries(jwt.verify(issued.token))).toEqual([
      ['token_type', 'refresh'],
      ['exp', NOW + 86_400],
      ['iat', NOW],
      ['jti', REFRESH_JTI],
      ['user_id', '7'],
      ['username', 'alice'],
      ['sid', SID],
      ['is_superuser', false],
      ['permissions', ['blog.add_post']],
      ['role', 'editor'],
      ['is_staff', true],
      ['email_verified', true],
      ['iss', 'tessera'],
      ['aud', 'clients'],
    ]);
    expect(issued.expiresAt).toBe(NOW_MS + 86_400_000);
  });

  it('mints tokens that readToken and requireClaims accept until exp, as the configured type only', () => {
    const settings: TokenSettings = { ...SETTINGS, issuer: 'tessera', audience: 'clients' };
    const clock = createManualClock(NOW_MS);
    const { token } = createTokenMinter(jwt, settings, clock).mint('access', subject, SID, JTI);
    expect(requireClaims(readToken(jwt, settings, clock, token), 'access')).toMatchObject({ jti: JTI });
    expect(() => requireClaims(readToken(jwt, settings, clock, token), 'refresh')).toThrow('Token has wrong type');
    clock.advance(300);
    expect(() => readToken(jwt, settings, clock, token)).toThrow(EXPIRED);
  });
});
