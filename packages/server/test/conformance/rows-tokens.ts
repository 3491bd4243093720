// Rows on the token endpoints: refresh, verify and blacklist with good,
// forged and spent tokens, reuse of a rotated token, and revoke-all. Rows
// run in order; a row that keeps a pair (target.pairs) is read by later rows.
import type { Target } from './targets.js';
import {
  algNone,
  bearer,
  call,
  expired,
  forUnknownUser,
  kept,
  login,
  post,
  sharedPair,
  signedWithAnotherKey,
  withoutJti,
  withoutType,
  type Answer,
  type Row,
} from './requests.js';

const FORM = 'application/x-www-form-urlencoded';
/** tessera's grace window (TESSERA_REFRESH_GRACE_SECONDS' default) and a second. */
const PAST_GRACE_SECONDS = 11;

const refresh = (target: Target, token: string, path = '/api/token/refresh/') =>
  call(target, { path, json: { refresh: token } });
const verify = (target: Target, token: string, path = '/api/token/verify/') => call(target, { path, json: { token } });
const profile = (target: Target, token: string) =>
  call(target, { method: 'GET', path: '/api/profile/', auth: bearer(token) });

/** A row that refreshes with alice's shared refresh token changed by `change` (and so not spent). */
const refreshWith =
  (change: (token: string) => string) =>
  async (target: Target): Promise<Answer> =>
    refresh(target, change((await sharedPair(target)).refresh));

function refreshRows(): Row[] {
  return [
    {
      name: 'refresh: valid refresh token (rotates)',
      async run(target) {
        const first = await login(target);
        target.pairs.set('rotated', first);
        const answer = await refresh(target, first.refresh);
        target.pairs.set('successor', JSON.parse(answer.text) as { access: string; refresh: string });
        return answer;
      },
    },
    {
      name: 'refresh: reuse of the rotated token at once',
      run: (target) => refresh(target, kept(target, 'rotated').refresh),
    },
    {
      name: 'refresh: alias /api/auth/refresh/ valid',
      run: async (t) => refresh(t, (await login(t)).refresh, '/api/auth/refresh/'),
    },
    {
      name: 'refresh: form-encoded valid',
      run: async (target) =>
        call(target, { path: '/api/token/refresh/', raw: `refresh=${(await login(target)).refresh}`, type: FORM }),
    },
    {
      name: 'POST /api/token/refresh (no slash) valid',
      run: async (t) => refresh(t, (await login(t)).refresh, '/api/token/refresh'),
    },
    {
      name: 'POST /api/auth/refresh (no slash) valid',
      run: async (t) => refresh(t, (await login(t)).refresh, '/api/auth/refresh'),
    },
    {
      name: 'refresh: with an access token',
      run: async (target) => refresh(target, (await sharedPair(target)).access),
    },
    { name: 'refresh: garbage "not-a-token"', run: post('/api/token/refresh/', { refresh: 'not-a-token' }) },
    { name: 'refresh: garbage "a.b.c"', run: post('/api/token/refresh/', { refresh: 'a.b.c' }) },
    { name: 'refresh: expired (signed with the key)', run: refreshWith(expired) },
    { name: 'refresh: signed with another key', run: refreshWith(signedWithAnotherKey) },
    { name: 'refresh: alg none', run: refreshWith(algNone) },
    { name: 'refresh: no token_type claim', run: refreshWith(withoutType) },
    { name: 'refresh: no jti claim', run: refreshWith(withoutJti) },
  ];
}

function verifyRows(): Row[] {
  const access = (target: Target) => kept(target, 'verified').access;
  return [
    {
      name: 'verify: access token',
      async run(target) {
        target.pairs.set('verified', await login(target));
        return verify(target, access(target));
      },
    },
    { name: 'verify: refresh token', run: (target) => verify(target, kept(target, 'verified').refresh) },
    {
      name: 'verify: POST /api/token/verify (no slash)',
      run: (target) => verify(target, access(target), '/api/token/verify'),
    },
    { name: 'verify: garbage', run: post('/api/token/verify/', { token: 'garbage' }) },
    { name: 'verify: expired (signed with the key)', run: (target) => verify(target, expired(access(target))) },
    { name: 'verify: signed with another key', run: (target) => verify(target, signedWithAnotherKey(access(target))) },
    { name: 'verify: no jti claim', run: (target) => verify(target, withoutJti(access(target))) },
    { name: 'verify: no token_type claim', run: (target) => verify(target, withoutType(access(target))) },
    {
      name: 'verify: form-encoded access token',
      run: (target) => call(target, { path: '/api/token/verify/', raw: `token=${access(target)}`, type: FORM }),
    },
    { name: 'verify: refresh token already rotated', run: (target) => verify(target, kept(target, 'rotated').refresh) },
  ];
}

function blacklistRows(): Row[] {
  const blacklist = (target: Target, token: string, path = '/api/token/blacklist/') =>
    call(target, { path, json: { refresh: token } });
  const spent = (target: Target) => kept(target, 'blacklisted');
  return [
    {
      name: 'blacklist: valid refresh token',
      async run(target) {
        target.pairs.set('blacklisted', await login(target));
        return blacklist(target, spent(target).refresh);
      },
    },
    { name: 'blacklist: the same token again', run: (target) => blacklist(target, spent(target).refresh) },
    { name: 'refresh: blacklisted token', run: (target) => refresh(target, spent(target).refresh) },
    { name: 'verify: blacklisted refresh token', run: (target) => verify(target, spent(target).refresh) },
    {
      name: 'profile: access token of the blacklisted session',
      run: (target) => profile(target, spent(target).access),
    },
    {
      name: 'blacklist: with an access token',
      run: async (target) => blacklist(target, (await sharedPair(target)).access),
    },
    { name: 'blacklist: garbage', run: post('/api/token/blacklist/', { refresh: 'garbage' }) },
    {
      name: 'POST /api/token/blacklist (no slash) valid',
      run: async (target) => blacklist(target, (await login(target)).refresh, '/api/token/blacklist'),
    },
  ];
}

function reuseAndRevokeAllRows(): Row[] {
  return [
    {
      name: 'refresh: reuse of the rotated token past the grace window',
      run(target) {
        target.passTime(PAST_GRACE_SECONDS);
        return refresh(target, kept(target, 'rotated').refresh);
      },
    },
    {
      name: 'refresh: its successor after the reuse',
      run: (target) => refresh(target, kept(target, 'successor').refresh),
    },
    {
      name: 'profile: successor access token after the reuse',
      run: (target) => profile(target, kept(target, 'successor').access),
    },
    // Before any of bob's tokens is blacklisted: the peer's revoke-all view stops at the
    // first one that is (see the last row of the table, for alice).
    {
      name: 'revoke-all: bob (only fresh logins)',
      async run(target) {
        const caller = await login(target, 'bob');
        target.pairs.set('bob other session', await login(target, 'bob'));
        return call(target, { path: '/api/token/revoke-all/', auth: bearer(caller.access) });
      },
    },
    {
      name: "refresh: bob's token after revoke-all",
      run: (target) => refresh(target, kept(target, 'bob other session').refresh),
    },
    {
      name: "profile: bob's access token after revoke-all",
      run: (target) => profile(target, kept(target, 'bob other session').access),
    },
  ];
}

/** Rows of the profile with forged access tokens, kept here with the forging. */
export function forgedAccessRows(): Row[] {
  const access = (target: Target) => kept(target, 'profile').access;
  return [
    { name: 'profile: Bearer expired access token', run: (target) => profile(target, expired(access(target))) },
    { name: 'profile: Bearer access signed with another key', run: (t) => profile(t, signedWithAnotherKey(access(t))) },
    { name: 'profile: Bearer access without jti', run: (target) => profile(target, withoutJti(access(target))) },
    {
      name: 'profile: Bearer access without token_type',
      run: (target) => profile(target, withoutType(access(target))),
    },
    // Re-signed with the server's key: the user_id no longer matches the session (tessera's "user deleted").
    {
      name: 'profile: Bearer access, unknown user_id',
      run: (target) => profile(target, forUnknownUser(access(target))),
    },
  ];
}

/** Every row of this module but {@link forgedAccessRows}, in order. */
export function tokenRows(): Row[] {
  return [...refreshRows(), ...verifyRows(), ...blacklistRows(), ...reuseAndRevokeAllRows()];
}
