/**
 * Authorization header variants on the protected endpoints, each with a
 * fresh, valid access token to hide or mangle.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  ALICE_PROFILE,
  INVALID,
  WRONG_TYPE,
  bearerAnswer,
  createHostileServer,
  expectAnswer,
  type HostileServer,
  type Pair,
  type Verdict,
} from './support.js';

type HeaderRow = [name: string, header: (pair: Pair) => string | undefined, verdict: Verdict | 'not_provided'];

const rows: HeaderRow[] = [
  ['no Authorization header', () => undefined, 'not_provided'],
  ['an empty header', () => '', 'not_provided'],
  ['white space only', () => ' \t ', 'not_provided'],
  ['Basic credentials', () => 'Basic YWxpY2U6YWxpY2UgaW4gd29uZGVybGFuZA==', 'not_provided'],
  ['the token under the Basic scheme', ({ access }) => `Basic ${access}`, 'not_provided'],
  ['the token under the Token scheme', ({ access }) => `Token ${access}`, 'not_provided'],
  ['the token under the JWT scheme', ({ access }) => `JWT ${access}`, 'not_provided'],
  ['the bare token', ({ access }) => access, 'not_provided'],
  ['"Bearer" run into the token', ({ access }) => `Bearer${access}`, 'not_provided'],
  ['"Bearer:" before the token', ({ access }) => `Bearer:${access}`, 'not_provided'],
  // Python's bytes.split() splits on ASCII white space only.
  ['a non-breaking space after "Bearer"', ({ access }) => `Bearer\u00a0${access}`, 'not_provided'],
  ['"Bearer" alone', () => 'Bearer', 'bad_authorization_header'],
  ['"Bearer " and nothing', () => 'Bearer ', 'bad_authorization_header'],
  ['the token twice', ({ access }) => `Bearer ${access} ${access}`, 'bad_authorization_header'],
  ['"Bearer" twice', ({ access }) => `Bearer Bearer ${access}`, 'bad_authorization_header'],
  [
    'two credentials separated by a comma',
    ({ access }) => `Bearer ${access}, Bearer ${access}`,
    'bad_authorization_header',
  ],
  ['a trailing parameter', ({ access }) => `Bearer ${access} realm="api"`, 'bad_authorization_header'],
  ['the scheme in lower case', ({ access }) => `bearer ${access}`, 'accepted'],
  ['the scheme in upper case', ({ access }) => `BEARER ${access}`, 'accepted'],
  ['the scheme in mixed case', ({ access }) => `bEaReR ${access}`, 'accepted'],
  ['a tab after the scheme', ({ access }) => `Bearer\t${access}`, 'accepted'],
  ['surrounding and repeated spaces', ({ access }) => `  Bearer   ${access}  `, 'accepted'],
  ['the token in quotes', ({ access }) => `Bearer "${access}"`, INVALID],
  ['the token in angle brackets', ({ access }) => `Bearer <${access}>`, INVALID],
  ['a comma after the token', ({ access }) => `Bearer ${access},`, INVALID],
  ['a semicolon after the token', ({ access }) => `Bearer ${access};`, INVALID],
  ['a non-breaking space after the token', ({ access }) => `Bearer ${access}\u00a0`, INVALID],
  ['the token percent-encoded', ({ access }) => `Bearer ${encodeURIComponent(`${access}=`)}`, INVALID],
  ['8 KiB of "a"', () => `Bearer ${'a'.repeat(8192)}`, INVALID],
  ['the refresh token', ({ refresh }) => `Bearer ${refresh}`, WRONG_TYPE],
];

const ENDPOINTS = [
  { method: 'GET', url: '/api/profile/', accepted: ALICE_PROFILE },
  { method: 'POST', url: '/api/token/revoke-all/', accepted: { message: 'All tokens revoked successfully' } },
] as const;

describe.each(ENDPOINTS)('$method $url with hostile Authorization headers', ({ method, url, accepted }) => {
  let server: HostileServer;
  beforeAll(async () => {
    server = await createHostileServer();
  });
  afterAll(() => server.close());

  it.each(rows)('%s → %s', async (_name, header, verdict) => {
    const authorization = header(await server.login());
    const response = await server.inject({
      method,
      url,
      headers: authorization === undefined ? {} : { authorization },
    });
    expectAnswer(response, bearerAnswer(verdict, accepted));
  });
});
