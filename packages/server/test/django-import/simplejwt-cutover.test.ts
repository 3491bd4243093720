// A cutover from SimpleJWT without logouts, with tokens minted by a real
// Django (./fixture.ts): its refresh tokens are exchanged once for a tessera
// session, then follow tessera's grace and reuse rules; its access tokens
// work until they expire; nothing else signed or presented gets in.
import { details } from '@tessera/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_EVENTS } from '../../src/auth/events.js';
import { cookieNames } from '../../src/cookie-mode/cookies.js';
import { HS256_HEADER, mac, segment, segmentsOf, sign } from '../adversarial/support.js';
import { accessRefused, tokenRefused } from '../support/answers.js';
import { djangoCheckingHasher } from '../support/hasher.js';
import { availableDialects } from '../support/stores.js';
import { TEST_SECRET, bearer, claimsOf, createTestServer, headerOf, type TestServer } from '../support/server.js';
import { DJANGO_SECRET_KEY, whyDjangoIsMissing, type DjangoFixture } from './fixture.js';
import { fixtureOf, importInto, newTarget, type Target } from './targets.js';

const missing = whyDjangoIsMissing();
const DAY_MS = 86_400_000;
const noActiveAccount = { detail: 'No active account found for the given token.' };

/** `token`'s payload with `changes`, signed HS256 by `key`: what a holder of that key could make. */
function resigned(token: string, changes: Record<string, unknown>, key = DJANGO_SECRET_KEY, header = HS256_HEADER) {
  const payload = segment({ ...claimsOf(token), ...changes });
  return sign(header, payload, key);
}

describe.skipIf(missing !== null).each(availableDialects())('a cutover from SimpleJWT on %s', (dialect) => {
  let django: DjangoFixture;
  let target: Target;
  let server: TestServer;
  /** The cutover's end: a week after Django minted its tokens. */
  let until: number;

  beforeAll(async () => {
    django = await fixtureOf(dialect);
    until = django.generated_at_ms + 7 * DAY_MS;
  }, 120_000);

  const start = async (env: Record<string, string> = {}) => {
    target = await newTarget(dialect);
    expect((await importInto(target, django.from)).code).toBe(0);
    server = await createTestServer(
      {
        TESSERA_SIMPLEJWT_SIGNING_KEY: DJANGO_SECRET_KEY,
        TESSERA_SIMPLEJWT_UNTIL: new Date(until).toISOString(),
        ...env,
      },
      { hasher: djangoCheckingHasher, store: await target.open() },
    );
    server.clock.set(django.generated_at_ms + 1000);
  };
  afterEach(async () => {
    await server?.close();
    target?.cleanup();
  });
  const refresh = (token: string) => server.post('/api/token/refresh/', { refresh: token });
  const profile = (token: string) => server.app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(token) });

  describe('refresh tokens', () => {
    beforeEach(() => start());

    it.each([
      ['an int user_id (SimpleJWT before 5.5.1)', 'outstanding_int', 'admin'],
      ['a string user_id (SimpleJWT 5.5.1 and after)', 'outstanding_str', 'editor'],
    ] as const)('exchanges one with %s for a tessera session pair, signed by tessera', async (_, name, username) => {
      const response = await refresh(django.refresh[name]);
      expect(response.statusCode).toBe(200);
      const pair = response.json<{ access: string; refresh: string }>();
      expect(Object.keys(pair).sort()).toEqual(['access', 'refresh']);
      for (const token of [pair.access, pair.refresh]) {
        // tessera's key signed them (its kid); the Django key never signs.
        expect(headerOf(token)).toMatchObject({ alg: 'HS256', kid: expect.any(String) as unknown });
        expect(segmentsOf(token)[2]).not.toBe(
          mac(`${segmentsOf(token)[0]}.${segmentsOf(token)[1]}`, DJANGO_SECRET_KEY),
        );
        expect(claimsOf(token)).toMatchObject({ username, sid: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown });
      }
      expect((await profile(pair.access)).json()).toMatchObject({ username });
      expect((await refresh(pair.refresh)).statusCode).toBe(200);
      const audit = await server.store.listAudit({ offset: 0, limit: 10, event: 'legacy_token_used' });
      expect(audit.records).toMatchObject([{ username, details: { kind: 'simplejwt_refresh' } }]);
      expect(AUDIT_EVENTS).toContain('legacy_token_used');
    });

    it('answers a second presentation within the grace window with the same pair', async () => {
      const first = await refresh(django.refresh.outstanding_int);
      server.clock.advance(5);
      const again = await refresh(django.refresh.outstanding_int);
      expect([again.statusCode, again.json()]).toEqual([200, first.json()]);
    });

    it('answers one after the grace window as reuse: blacklisted, and the session it started ends', async () => {
      const { access, refresh: successor } = (await refresh(django.refresh.outstanding_int)).json<{
        access: string;
        refresh: string;
      }>();
      server.clock.advance(11);
      const reuse = await refresh(django.refresh.outstanding_int);
      expect([reuse.statusCode, reuse.json()]).toEqual([401, tokenRefused('Token is blacklisted')]);
      expect((await refresh(successor)).json()).toEqual(tokenRefused('Token is blacklisted'));
      expect((await profile(access)).json()).toEqual(accessRefused('Token is blacklisted'));
    });

    it('exchanges one presented twice at once exactly once: both get the same pair', async () => {
      const [a, b] = await Promise.all([
        refresh(django.refresh.outstanding_int),
        refresh(django.refresh.outstanding_int),
      ]);
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      expect(a.json()).toEqual(b.json());
      expect(await server.store.listSessions(1)).toHaveLength(1);
    });

    it.each([
      ['blacklisted in Django (the imported blacklist)', 'blacklisted', 401, tokenRefused('Token is blacklisted')],
      ['expired', 'expired', 401, tokenRefused('Token is expired')],
      ["of Django's inactive user", 'inactive_user', 401, noActiveAccount],
      ['of a user Django does not have', 'unknown_user', 401, noActiveAccount],
    ] as const)('refuses one %s', async (_, name, status, body) => {
      const response = await refresh(django.refresh[name]);
      expect([response.statusCode, response.json()]).toEqual([status, body]);
      expect(await server.store.listAudit({ offset: 0, limit: 1, event: 'legacy_token_used' })).toMatchObject({
        count: 0,
      });
    });

    it.each([
      ['signed with another key', (t: string) => resigned(t, {}, 'another-key-that-django-never-had-0123456789')],
      ['signed with tessera’s own key (no session claim)', (t: string) => resigned(t, {}, TEST_SECRET)],
      ['with alg none', (t: string) => `${segment({ alg: 'none', typ: 'JWT' })}.${segmentsOf(t)[1]}.`],
      [
        'with a kid',
        (t: string) => resigned(t, {}, DJANGO_SECRET_KEY, segment({ alg: 'HS256', typ: 'JWT', kid: 'x' })),
      ],
      [
        'with a changed user_id',
        (t: string) => `${segmentsOf(t)[0]}.${segment({ ...claimsOf(t), user_id: 3 })}.${segmentsOf(t)[2]}`,
      ],
      ['of type access', (t: string) => resigned(t, { token_type: 'access' })],
      ['with a jti that is not 32 hex digits', (t: string) => resigned(t, { jti: 'not-hex' })],
      ['with a user_id that is no id', (t: string) => resigned(t, { user_id: '1 OR 1=1' })],
      [
        'with an HS512 signature',
        (t: string) => sign(segment({ alg: 'HS512', typ: 'JWT' }), segmentsOf(t)[1], DJANGO_SECRET_KEY, 'sha512'),
      ],
    ])('refuses a forged one: %s', async (_, forge) => {
      const response = await refresh(forge(django.refresh.outstanding_int));
      expect([response.statusCode, response.json()]).toEqual([401, tokenRefused('Token is invalid')]);
      expect(await server.store.listSessions(1)).toEqual([]);
    });

    it('refuses a forged jti of a token tessera issued to another user', async () => {
      const { refresh: ownRefresh } = await server.login('argon', 'argon-pass-1');
      const forged = resigned(django.refresh.outstanding_int, { jti: claimsOf(ownRefresh).jti });
      expect((await refresh(forged)).json()).toEqual(tokenRefused('Token is invalid'));
    });

    it('blacklists one at /api/token/blacklist/, before or after its exchange, so it never works again', async () => {
      const blacklist = (token: string) => server.post('/api/token/blacklist/', { refresh: token });
      const never = await blacklist(django.refresh.outstanding_str);
      expect([never.statusCode, never.json()]).toEqual([200, {}]);
      expect((await refresh(django.refresh.outstanding_str)).json()).toEqual(tokenRefused('Token is blacklisted'));

      const { access } = (await refresh(django.refresh.outstanding_int)).json<{ access: string }>();
      expect((await blacklist(django.refresh.outstanding_int)).statusCode).toBe(200);
      expect((await profile(access)).json()).toEqual(accessRefused('Token is blacklisted'));
      expect((await refresh(django.refresh.outstanding_int)).json()).toEqual(tokenRefused('Token is blacklisted'));
    });

    it('logs out with one at /api/auth/logout/, authenticated by a SimpleJWT access token; not another user’s', async () => {
      const logout = (access: string, token: string) =>
        server.post('/api/auth/logout/', { refresh: token }, bearer(access));
      const foreign = await logout(django.access.editor_str, django.refresh.outstanding_int);
      expect([foreign.statusCode, foreign.json()]).toEqual([400, { error: details.invalidToken }]);
      expect((await logout(django.access.admin, django.refresh.outstanding_int)).statusCode).toBe(205);
      expect((await refresh(django.refresh.outstanding_int)).json()).toEqual(tokenRefused('Token is blacklisted'));
      const expired = await logout(django.access.admin, django.refresh.expired);
      expect([expired.statusCode, expired.json()]).toEqual([400, { error: details.invalidToken }]);
    });

    it('verifies one at /api/token/verify/ until it is exchanged, and a blacklisted one never', async () => {
      const verify = (token: string) => server.post('/api/token/verify/', { token });
      const fresh = await verify(django.refresh.outstanding_int);
      expect([fresh.statusCode, fresh.json()]).toEqual([200, {}]);
      expect((await verify(django.access.admin)).json()).toEqual({});
      expect((await verify(django.refresh.blacklisted)).json()).toEqual(tokenRefused('Token is blacklisted'));
      await refresh(django.refresh.outstanding_int);
      expect((await verify(django.refresh.outstanding_int)).json()).toEqual(tokenRefused('Token is blacklisted'));
      expect((await verify(django.refresh.expired)).json()).toEqual(tokenRefused('Token is expired'));
      const forged = resigned(django.refresh.outstanding_str, {}, 'another-key-that-django-never-had-0123456789');
      expect((await verify(forged)).json()).toEqual(tokenRefused('Token is invalid'));
    });

    it('refuses every one once TESSERA_SIMPLEJWT_UNTIL has passed', async () => {
      server.clock.set(until);
      expect((await refresh(django.refresh.outstanding_int)).json()).toEqual(tokenRefused('Token is invalid'));
    });
  });

  describe('access tokens', () => {
    beforeEach(() => start());

    it('accepts an unexpired one on protected endpoints, as the user it names', async () => {
      const response = await profile(django.access.admin);
      expect([response.statusCode, response.json()]).toEqual([
        200,
        { username: 'admin', first_name: '', last_name: '', email: 'admin@example.com' },
      ]);
      expect((await profile(django.access.editor_str)).json()).toMatchObject({
        username: 'editor',
        first_name: 'Edna',
      });
    });

    it('refuses one once it expires, and every one after TESSERA_SIMPLEJWT_UNTIL', async () => {
      server.clock.advance(301);
      expect((await profile(django.access.admin)).json()).toEqual(accessRefused('Token is expired'));
      server.clock.set(until);
      expect((await profile(django.access.admin)).json()).toEqual(accessRefused('Token is invalid'));
    });

    it('refuses one whose user tessera has deactivated since', async () => {
      await server.store.setActive(1, false, server.clock.now());
      const response = await profile(django.access.admin);
      expect([response.statusCode, response.json()]).toEqual([
        401,
        { detail: 'User is inactive', code: 'user_inactive' },
      ]);
    });

    it.each([
      ['signed with another key', (t: string) => resigned(t, {}, 'another-key-that-django-never-had-0123456789')],
      [
        'naming another user',
        (t: string) => `${segmentsOf(t)[0]}.${segment({ ...claimsOf(t), user_id: 3 })}.${segmentsOf(t)[2]}`,
      ],
      ['with alg none', (t: string) => `${segment({ alg: 'none', typ: 'JWT' })}.${segmentsOf(t)[1]}.`],
      ['of type refresh', (t: string) => resigned(t, { token_type: 'refresh' })],
    ])('refuses a forged one: %s', async (_, forge) => {
      expect((await profile(forge(django.access.admin))).json()).toEqual(accessRefused('Token is invalid'));
    });

    it('refuses one in the access cookie: SimpleJWT clients send headers', async () => {
      const response = await server.app.inject({
        method: 'GET',
        url: '/api/profile/',
        headers: { cookie: `${cookieNames(server.config).access}=${django.access.admin}` },
      });
      expect([response.statusCode, response.json()]).toEqual([401, accessRefused('Token is invalid')]);
    });
  });

  it('without TESSERA_SIMPLEJWT_SIGNING_KEY, refuses Django’s tokens as any other', async () => {
    target = await newTarget(dialect);
    expect((await importInto(target, django.from)).code).toBe(0);
    server = await createTestServer({}, { hasher: djangoCheckingHasher, store: await target.open() });
    server.clock.set(django.generated_at_ms + 1000);
    expect((await refresh(django.refresh.outstanding_int)).json()).toEqual(tokenRefused('Token is invalid'));
    expect((await profile(django.access.admin)).json()).toEqual(accessRefused('Token is invalid'));
  });
});
