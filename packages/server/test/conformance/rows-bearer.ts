// Rows on the Bearer endpoints: revoke, logout (205), the profile with every
// kind of Authorization header, and revoke-all last (it ends alice's and
// bob's sessions). Rows run in order and read pairs kept by earlier rows.
import type { Target } from './targets.js';
import { bearer, call, kept, login, post, type Request, type Row } from './requests.js';
import { forgedAccessRows } from './rows-tokens.js';

const FORM = 'application/x-www-form-urlencoded';

/**
 * Revoke and logout answer alike but for the status of success: the same
 * rows for each, the caller's pair kept as `<path> caller`, the revoked one
 * as `<path> target`.
 */
function revokingRows(path: '/api/token/revoke/' | '/api/auth/logout/', verb: string): Row[] {
  const caller = (target: Target) => kept(target, `${path} caller`);
  const send = (target: Target, request: Omit<Request, 'path' | 'auth'>, as = caller(target).access) =>
    call(target, { path, auth: bearer(as), ...request });
  const rows: Row[] = [
    { name: `${verb}: no Authorization`, run: post(path, { refresh: 'x' }) },
    {
      name: `${verb}: own refresh token of another session`,
      async run(target) {
        target.pairs.set(`${path} caller`, await login(target));
        target.pairs.set(`${path} target`, await login(target));
        return send(target, { json: { refresh: kept(target, `${path} target`).refresh } });
      },
    },
    {
      name: `${verb}: the same token again`,
      run: (t) => send(t, { json: { refresh: kept(t, `${path} target`).refresh } }),
    },
    {
      name: `${verb}: foreign (bob's) refresh token`,
      run: async (t) => send(t, { json: { refresh: (await login(t, 'bob')).refresh } }),
    },
    { name: `${verb}: garbage token`, run: (target) => send(target, { json: { refresh: 'garbage' } }) },
    {
      name: `${verb}: an access token as refresh`,
      run: (target) => send(target, { json: { refresh: caller(target).access } }),
    },
    { name: `${verb}: refresh missing`, run: (target) => send(target, { json: {} }) },
    { name: `${verb}: JSON list body`, run: (target) => send(target, { raw: '[]', type: 'application/json' }) },
    { name: `${verb}: text/plain body`, run: (target) => send(target, { raw: 'x', type: 'text/plain' }) },
    {
      name: `${verb}: form-encoded own token`,
      run: async (target) => send(target, { raw: `refresh=${(await login(target)).refresh}`, type: FORM }),
    },
    {
      name: `${verb}: refresh token as Bearer`,
      run: (target) => send(target, { json: { refresh: caller(target).refresh } }, caller(target).refresh),
    },
    {
      name: `${verb}: access token of the revoked session as Bearer`,
      run: (target) => send(target, { json: { refresh: 'x' } }, kept(target, `${path} target`).access),
    },
    {
      name: `${verb}: own token, then refresh with it`,
      async run(target) {
        const { refresh } = await login(target);
        await send(target, { json: { refresh } });
        return call(target, { path: '/api/token/refresh/', json: { refresh } });
      },
    },
    {
      name: `POST ${path.slice(0, -1)} (no slash) own token`,
      run: async (target) =>
        call(target, {
          path: path.slice(0, -1),
          auth: bearer(caller(target).access),
          json: { refresh: (await login(target)).refresh },
        }),
    },
  ];
  return rows;
}

function profileRows(): Row[] {
  const access = (target: Target) => kept(target, 'profile').access;
  const withAuth = (target: Target, auth: string, path = '/api/profile/') =>
    call(target, { method: 'GET', path, auth });
  const basic = `Basic ${Buffer.from('alice:correct-horse-1').toString('base64')}`;
  return [
    {
      name: 'profile: valid Bearer',
      async run(target) {
        target.pairs.set('profile', await login(target));
        return withAuth(target, bearer(access(target)));
      },
    },
    { name: 'profile: bob', run: async (target) => withAuth(target, bearer((await login(target, 'bob')).access)) },
    { name: 'GET /api/profile (no slash) valid Bearer', run: (t) => withAuth(t, bearer(access(t)), '/api/profile') },
    {
      name: 'profile: no Authorization header',
      run: (target) => call(target, { method: 'GET', path: '/api/profile/' }),
    },
    { name: 'profile: empty Authorization header', run: (target) => withAuth(target, '') },
    { name: 'profile: Basic credentials', run: (target) => withAuth(target, basic) },
    {
      name: 'profile: "Token <access>" (DRF TokenAuthentication style)',
      run: (t) => withAuth(t, `Token ${access(t)}`),
    },
    { name: 'profile: "Bearer" alone', run: (target) => withAuth(target, 'Bearer') },
    { name: 'profile: "Bearer a b"', run: (target) => withAuth(target, 'Bearer a b') },
    {
      name: 'profile: "Bearer  <access>" (two spaces)',
      run: (target) => withAuth(target, `Bearer  ${access(target)}`),
    },
    { name: 'profile: "bearer <access>" lower case', run: (target) => withAuth(target, `bearer ${access(target)}`) },
    { name: 'profile: "BEARER <access>" upper case', run: (target) => withAuth(target, `BEARER ${access(target)}`) },
    { name: 'profile: Bearer garbage', run: (target) => withAuth(target, 'Bearer garbage') },
    {
      name: 'profile: Bearer refresh token',
      run: (target) => withAuth(target, bearer(kept(target, 'profile').refresh)),
    },
  ];
}

function revokeAllRows(): Row[] {
  const revokeAll = (target: Target, access: string, path = '/api/token/revoke-all/') =>
    call(target, { path, auth: bearer(access) });
  return [
    { name: 'revoke-all: no Authorization', run: post('/api/token/revoke-all/', {}) },
    {
      name: 'POST /api/token/revoke-all (no slash) bob',
      run: async (t) => revokeAll(t, (await login(t, 'bob')).access, '/api/token/revoke-all'),
    },
    {
      name: 'revoke-all: alice (after rotations and blacklisting)',
      run: async (t) => revokeAll(t, (await login(t)).access),
    },
  ];
}

/** Every row of this module, in order; revoke-all last. */
export function bearerRows(): Row[] {
  return [
    ...revokingRows('/api/token/revoke/', 'revoke'),
    ...revokingRows('/api/auth/logout/', 'logout'),
    ...profileRows(),
    ...forgedAccessRows(),
    ...revokeAllRows(),
  ];
}
