/**
 * Hostile credentials at login, and protected endpoints that must
 * authenticate before they read a hostile body.
 */
import { details } from '@tessera/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  createHostileServer,
  expectAnswer,
  expectPristinePrototypes,
  type Expected,
  type HostileServer,
} from './support.js';

const BAD_CREDENTIALS: Expected = { status: 401, body: { detail: details.badCredentials } };
const PAIR: Expected = {
  status: 200,
  body: { refresh: expect.any(String) as unknown, access: expect.any(String) as unknown },
};

let server: HostileServer;
beforeAll(async () => {
  server = await createHostileServer();
});
afterAll(() => server.close());

describe('POST /api/token/ with hostile credentials', () => {
  const rows: Array<[name: string, body: Record<string, unknown>, expected: Expected]> = [
    ['alice (control)', { ...ALICE }, PAIR],
    // Fields are trimmed, as DRF's CharField trims them.
    ['alice with surrounding white space', { ...ALICE, username: ' alice\t' }, PAIR],
    ["alice's password with surrounding white space", { ...ALICE, password: ` ${ALICE.password} ` }, PAIR],
    ...[
      "alice' --",
      "alice' OR '1'='1",
      "' OR 1=1 --",
      'alice"; --',
      'alice%',
      'al_ce',
      '%',
      '_____',
      'ALICE',
      'Alice',
    ].map((username): [string, Record<string, unknown>, Expected] => [
      `the username ${JSON.stringify(username)} with alice's password`,
      { ...ALICE, username },
      BAD_CREDENTIALS,
    ]),
    ['alice with a zero-width space', { ...ALICE, username: 'alice\u200b' }, BAD_CREDENTIALS],
    // Usernames compare in NFKC form, as Django normalizes them: the same name, and alice's password.
    ['alice in full-width letters', { ...ALICE, username: 'ａｌｉｃｅ' }, PAIR],
    [
      'alice with a NUL byte',
      { ...ALICE, username: 'alice\u0000' },
      { status: 400, body: { username: ['Null characters are not allowed.'] } },
    ],
    ...["' OR '1'='1", '%', '*', ALICE.password.toUpperCase(), `${ALICE.password}x`].map(
      (password): [string, Record<string, unknown>, Expected] => [
        `alice with the password ${JSON.stringify(password)}`,
        { ...ALICE, password },
        BAD_CREDENTIALS,
      ],
    ),
    ['alice with a password over 1024 bytes', { ...ALICE, password: 'x'.repeat(1025) }, BAD_CREDENTIALS],
    [
      'alice as a list',
      { ...ALICE, username: ['alice'] },
      { status: 400, body: { username: ['Not a valid string.'] } },
    ],
    [
      'the password as an object',
      { ...ALICE, password: { $ne: '' } },
      { status: 400, body: { password: ['Not a valid string.'] } },
    ],
    ['carol, inactive, with her password', { username: 'carol', password: 'carol sings' }, BAD_CREDENTIALS],
  ];

  it.each(rows)('%s', async (_name, body, expected) => {
    expectAnswer(await server.post('/api/token/', body), expected);
  });
});

describe('protected endpoints authenticate before they read the body', () => {
  const NOT_PROVIDED: Expected = { status: 401, body: { detail: details.notAuthenticated } };
  const TOO_LARGE: Expected = { status: 413, body: { detail: details.payloadTooLarge, code: 'payload_too_large' } };
  const bodies: Array<[name: string, contentType: string, payload: string, expected: Expected]> = [
    ['a text/plain body', 'text/plain', 'refresh=x', NOT_PROVIDED],
    ['malformed JSON', 'application/json', '{"refresh":', NOT_PROVIDED],
    ['a JSON list', 'application/json', '[]', NOT_PROVIDED],
    ['a blank field', 'application/json', '{"refresh":""}', NOT_PROVIDED],
    // Only the body limit comes first: it is enforced while the body is received.
    ['a 17 KiB body', 'application/json', JSON.stringify({ refresh: 'x'.repeat(17 * 1024) }), TOO_LARGE],
    ['a 17 KiB text/plain body', 'text/plain', 'x'.repeat(17 * 1024), TOO_LARGE],
  ];
  const urls = ['/api/token/revoke/', '/api/auth/logout/', '/api/token/revoke-all/'];
  const cells = urls.flatMap((url) => bodies.map(([name, ...rest]) => [url, name, ...rest] as const));

  it.each(cells)('POST %s without Authorization, with %s', async (url, _name, contentType, payload, expected) => {
    expectAnswer(await server.post(url, payload, { 'content-type': contentType }), expected);
  });
});

describe('after every hostile body and credential', () => {
  it('alice still logs in and reads her profile, and no prototype was polluted', async () => {
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
