import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAuthorizationHeader, type AuthorizationHeader } from '../../src/http/authorization.js';
import { createTestServer, type TestServer } from '../support/server.js';

/** A well-formed HS256 access token, signed with jwt.io's sample key rather than the server's. */
const FOREIGN_TOKEN = (() => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { token_type: 'access', exp: 4_102_444_800, jti: '0123456789abcdef0123456789abcdef', user_id: '1' };
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', 'your-256-bit-secret').update(input).digest('base64url')}`;
})();

const ABSENT: AuthorizationHeader = { kind: 'absent' };
const MALFORMED: AuthorizationHeader = { kind: 'malformed' };
const bearerToken = (token: string): AuthorizationHeader => ({ kind: 'bearer', token });

describe('parseAuthorizationHeader', () => {
  const rows: Array<[string | undefined, AuthorizationHeader]> = [
    [undefined, ABSENT],
    ['', ABSENT],
    ['   ', ABSENT],
    ['\t\r\n', ABSENT],
    ['Basic abc', ABSENT],
    ['Basic', ABSENT],
    ['Token abc', { kind: 'drf_token', key: 'abc' }],
    ['token  abc ', { kind: 'drf_token', key: 'abc' }],
    ['Token', { kind: 'malformed_drf_token', detail: 'Invalid token header. No credentials provided.' }],
    [
      'Token a b',
      { kind: 'malformed_drf_token', detail: 'Invalid token header. Token string should not contain spaces.' },
    ],
    [
      'Token a\u00e9',
      {
        kind: 'malformed_drf_token',
        detail: 'Invalid token header. Token string should not contain invalid characters.',
      },
    ],
    ['JWT abc', ABSENT],
    ['Bearerx', ABSENT],
    ['Bearer-x', ABSENT],
    // NBSP is not white space to Python's bytes.split(): "Bearer\xa0x" is one word, not our scheme.
    ['Bearer\u00a0x', ABSENT],
    // Nor are the other Unicode spaces.
    ['Bearer\u2003x', ABSENT],
    ['Bearer', MALFORMED],
    ['Bearer ', MALFORMED],
    ['bearer', MALFORMED],
    ['Bearer a b', MALFORMED],
    ['Bearer a\tb', MALFORMED],
    ['Bearer\u00a0x y', ABSENT],
    ['Bearer x', bearerToken('x')],
    ['bearer x', bearerToken('x')],
    ['BEARER x', bearerToken('x')],
    ['BeArEr x', bearerToken('x')],
    ['Bearer\tx', bearerToken('x')],
    ['Bearer\u000bx', bearerToken('x')],
    ['Bearer\u000cx', bearerToken('x')],
    [' Bearer x ', bearerToken('x')],
    ['Bearer    x', bearerToken('x')],
    ['Bearer x\r\n', bearerToken('x')],
    ['Bearer x ', bearerToken('x')],
    ['Bearer  x', bearerToken('x')],
    ['Bearer x y', MALFORMED],
    ['Bearer \u00a0', bearerToken('\u00a0')],
    // The token itself is passed on untouched; the codec judges it.
    ['Bearer a.b.c', bearerToken('a.b.c')],
    ['Bearer x\u00a0y', bearerToken('x\u00a0y')],
  ];

  it.each(rows)('%j → %j', (header, expected) => {
    expect(parseAuthorizationHeader(header)).toEqual(expected);
  });
});

describe('GET /api/profile/ answers each way the Bearer header or token fails', () => {
  const WWW_AUTHENTICATE = 'Bearer realm="api"';
  const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.' };
  const BAD_HEADER = {
    detail: 'Authorization header must contain two space-delimited values',
    code: 'bad_authorization_header',
  };
  const tokenNotValid = (message: string) => ({
    detail: 'Given token not valid for any token type',
    code: 'token_not_valid',
    messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
  });
  const ALICE = { username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: 'alice@example.com' };

  let server: TestServer;
  let userId: number;
  beforeEach(async () => {
    server = await createTestServer();
    userId = (await server.createUser('alice', 'correct horse', { firstName: 'Alice', lastName: 'Liddell' })).id;
  });
  afterEach(() => server.close());

  const profile = (authorization: string | undefined) =>
    server.app.inject({
      method: 'GET',
      url: '/api/profile/',
      headers: authorization === undefined ? {} : { authorization },
    });

  async function expectAnswer(authorization: string | undefined, status: number, body: unknown): Promise<void> {
    const response = await profile(authorization);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual(body);
    expect(response.headers['www-authenticate']).toBe(status === 401 ? WWW_AUTHENTICATE : undefined);
  }

  const headerRows: Array<[string, string | undefined, unknown]> = [
    ['no Authorization header', undefined, NOT_PROVIDED],
    ['an empty Authorization header', '', NOT_PROVIDED],
    ['a blank Authorization header', '   ', NOT_PROVIDED],
    ['the Basic scheme', 'Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==', NOT_PROVIDED],
    ['the Token scheme', 'Token abc', NOT_PROVIDED],
    ['"Bearer" run into the token', 'Bearerabc', NOT_PROVIDED],
    ['"Bearer" with no token', 'Bearer', BAD_HEADER],
    ['"Bearer " with no token', 'Bearer ', BAD_HEADER],
    ['"Bearer" with two tokens', 'Bearer abc def', BAD_HEADER],
    ['"bearer" with two tokens', 'bearer abc def', BAD_HEADER],
    ['a token that is not a JWT', 'Bearer abc', tokenNotValid('Token is invalid')],
    ['a JWT of another key', `Bearer ${FOREIGN_TOKEN}`, tokenNotValid('Token is invalid')],
  ];

  it.each(headerRows)('%s → 401', async (_name, authorization, body) => {
    await expectAnswer(authorization, 401, body);
  });

  it.each(['Bearer', 'bearer', 'BEARER', 'BeArEr'])('accepts the scheme spelled "%s"', async (scheme) => {
    const { access } = await server.login('alice', 'correct horse');
    await expectAnswer(`${scheme} ${access}`, 200, ALICE);
  });

  it('accepts surrounding and tab white space, as bytes.split() does', async () => {
    const { access } = await server.login('alice', 'correct horse');
    await expectAnswer(` Bearer\t${access} `, 200, ALICE);
  });

  const tokenRows: Array<[string, (s: TestServer) => Promise<string>, number, unknown]> = [
    [
      'a refresh token used as Bearer → Token has wrong type',
      async (s) => `Bearer ${(await s.login('alice', 'correct horse')).refresh}`,
      401,
      tokenNotValid('Token has wrong type'),
    ],
    [
      'an access token 301 s old → Token is expired',
      async (s) => {
        const { access } = await s.login('alice', 'correct horse');
        s.clock.advance(301);
        return `Bearer ${access}`;
      },
      401,
      tokenNotValid('Token is expired'),
    ],
    [
      'an access token exactly 300 s old → Token is expired (exp <= now)',
      async (s) => {
        const { access } = await s.login('alice', 'correct horse');
        s.clock.advance(300);
        return `Bearer ${access}`;
      },
      401,
      tokenNotValid('Token is expired'),
    ],
    [
      'an access token 299 s old → 200',
      async (s) => {
        const { access } = await s.login('alice', 'correct horse');
        s.clock.advance(299);
        return `Bearer ${access}`;
      },
      200,
      ALICE,
    ],
    [
      'the token of a deleted user → user_not_found',
      async (s) => {
        const { access } = await s.login('alice', 'correct horse');
        await s.store.deleteUser(userId, s.clock.now());
        return `Bearer ${access}`;
      },
      401,
      { detail: 'User not found', code: 'user_not_found' },
    ],
    [
      // setActive(false) also revokes the sessions; the account's state is what the caller is told.
      'the token of a deactivated user → user_inactive',
      async (s) => {
        const { access } = await s.login('alice', 'correct horse');
        await s.store.setActive(userId, false, s.clock.now());
        return `Bearer ${access}`;
      },
      401,
      { detail: 'User is inactive', code: 'user_inactive' },
    ],
    [
      'the token of a user deactivated then reactivated → Token is blacklisted (the session stays revoked)',
      async (s) => {
        const { access } = await s.login('alice', 'correct horse');
        await s.store.setActive(userId, false, s.clock.now());
        await s.store.setActive(userId, true, s.clock.now());
        return `Bearer ${access}`;
      },
      401,
      tokenNotValid('Token is blacklisted'),
    ],
    [
      'an access token of a session revoked by revoke-all → Token is blacklisted',
      async (s) => {
        const { access } = await s.login('alice', 'correct horse');
        await s.store.revokeUserSessions(userId, s.clock.now(), 'revoke_all');
        return `Bearer ${access}`;
      },
      401,
      tokenNotValid('Token is blacklisted'),
    ],
  ];

  it.each(tokenRows)('%s', async (_name, authorize, status, body) => {
    await expectAnswer(await authorize(server), status, body);
  });
});
