import { afterEach, describe, expect, it } from 'vitest';
import { AuthClientError, createMemoryStorage, type AuthClient } from '../src/index.js';
import { BASE } from './support/fake-server.js';
import { setup, type Setup } from './support/setup.js';
import { createFakeWindow } from './support/tabs.js';
import { settle } from './support/time.js';

const REFRESH = '/api/token/refresh/';
const PROFILE = '/api/profile/';
/** With random() = 0.5 and the default 30 s margin: 300 s - 30 s - 3.75 s jitter (a skew below 1 s is ignored). */
const PROACTIVE_DELAY_MS = 300_000 - 30_000 - 3_750;

describe('createAuthClient against a scripted server', () => {
  let t: Setup;
  let auth: AuthClient;
  const start = async (...args: Parameters<typeof setup>) => {
    t = setup(...args);
    auth = t.auth;
    await auth.login('alice', 'pw');
  };
  afterEach(() => auth.dispose());

  describe('login and requests', () => {
    it('logs in: the snapshot has the user and the expiry on this device’s clock', async () => {
      await start();
      expect(auth.getSnapshot()).toEqual({
        status: 'authenticated',
        user: expect.objectContaining({ username: 'alice', token_type: 'access', sid: 's1' }) as unknown,
        expiresAt: t.time.now() + 300_000,
        retryAt: null,
      });
      expect(auth.getAccessToken()).toMatch(/^[\w-]+\.[\w-]+\.sig$/);
      expect(auth.getUser()?.username).toBe('alice');
      expect(t.snapshots.map((s) => s.status)).toEqual(['authenticated']);
      expect(auth.getSnapshot()).toBe(auth.getSnapshot());
    });

    it('rejects bad credentials with no_active_account and stays unauthenticated', async () => {
      t = setup();
      auth = t.auth;
      const error = await auth.login('alice', 'nope').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthClientError);
      expect(error).toMatchObject({ code: 'no_active_account', statusCode: 401 });
      expect(auth.getSnapshot()).toEqual({ status: 'unauthenticated', user: null, expiresAt: null, retryAt: null });
    });

    it('resolves relative paths against baseUrl and sends the token to the API only', async () => {
      await start();
      const response = await auth.fetch('/api/profile/', { headers: { 'X-Extra': '1' } });
      expect(response.status).toBe(200);
      const call = t.server.calls.at(-1)!;
      expect(call.path).toBe(PROFILE);
      expect(call.headers.get('authorization')).toBe(`Bearer ${auth.getAccessToken()}`);
      expect(call.headers.get('x-extra')).toBe('1');
      await auth.fetch('https://elsewhere.test/api/profile/');
      expect(t.server.calls.at(-1)!.headers.get('authorization')).toBeNull();
    });

    it('accepts a Request and a URL as fetch does', async () => {
      await start();
      const viaRequest = await auth.fetch(new Request(`${BASE}/api/things/`, { method: 'POST', body: '{"a":1}' }));
      expect(await viaRequest.json()).toEqual({ path: '/api/things/', method: 'POST' });
      const viaUrl = await auth.fetch(new URL('/api/other/', BASE));
      expect(viaUrl.status).toBe(200);
      expect(t.server.calls.at(-1)!.headers.get('authorization')).toBe(`Bearer ${auth.getAccessToken()}`);
    });

    it('keeps a path prefix of baseUrl', async () => {
      await start({ baseUrl: `${BASE}/auth/` });
      expect(t.server.calls[0]!.path).toBe('/auth/api/token/');
      await auth.fetch('api/profile/');
      expect(t.server.calls.at(-1)!.path).toBe('/auth/api/profile/');
    });
  });

  describe('single-flight refresh', () => {
    it('50 concurrent requests at expiry make one refresh and all succeed, with no 401 on the way', async () => {
      await start({ refreshMarginSeconds: 0 });
      t.time.advance(300_000); // the proactive timer fires at exp and starts the one refresh
      const responses = await Promise.all(Array.from({ length: 50 }, () => auth.fetch(PROFILE)));
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(t.server.count(REFRESH)).toBe(1);
      expect(t.server.count(PROFILE)).toBe(50);
    });

    it('50 concurrent 401s (the server’s clock ahead, no Date header) make one refresh; each is retried once', async () => {
      await start({}, { sendDate: false });
      t.serverAhead.ms = 301_000;
      const responses = await Promise.all(Array.from({ length: 50 }, () => auth.fetch(PROFILE)));
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(t.server.count(REFRESH)).toBe(1);
      expect(t.server.count(PROFILE)).toBe(100);
    });

    it('retries a request that was in flight when the refresh began, without a second refresh', async () => {
      await start({}, { sendDate: false });
      const oldToken = auth.getAccessToken();
      t.server.hold.add('/api/slow/');
      const slow = auth.fetch('/api/slow/');
      await settle();
      expect(t.server.heldCount()).toBe(1);
      t.serverAhead.ms = 301_000; // the old token is now expired on the server
      expect((await auth.fetch(PROFILE)).status).toBe(200);
      expect(t.server.count(REFRESH)).toBe(1);
      t.server.hold.clear();
      t.server.releaseAll();
      expect((await slow).status).toBe(200);
      const slowCalls = t.server.calls.filter((c) => c.path === '/api/slow/');
      expect(slowCalls.map((c) => c.headers.get('authorization'))).toEqual([
        `Bearer ${oldToken}`,
        `Bearer ${auth.getAccessToken()}`,
      ]);
      expect(t.server.count(REFRESH)).toBe(1);
    });

    it('returns a 401 after the retry to the caller instead of looping', async () => {
      await start();
      const response = await auth.fetch('/api/always-401/');
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ detail: 'User is inactive', code: 'user_inactive' });
      expect(t.server.count('/api/always-401/')).toBe(2);
      expect(t.server.count(REFRESH)).toBe(1);
      expect(auth.getSnapshot().status).toBe('authenticated');
    });

    it('joins a refresh in flight: refresh() and requests share it', async () => {
      await start();
      t.server.hold.add(REFRESH);
      const first = auth.refresh();
      const second = auth.refresh();
      const request = auth.fetch(PROFILE);
      await settle();
      expect(auth.getSnapshot().status).toBe('refreshing');
      t.server.releaseAll();
      await Promise.all([first, second]);
      expect((await request).status).toBe(200);
      expect(t.server.count(REFRESH)).toBe(1);
      expect(t.server.calls.at(-1)!.headers.get('authorization')).toBe(`Bearer ${auth.getAccessToken()}`);
    });
  });

  describe('session end', () => {
    it('a refused refresh token ends the session once: unauthenticated, onSessionExpired, the 401 returned', async () => {
      await start({}, { sendDate: false });
      t.server.revokeAll();
      const responses = await Promise.all([auth.fetch(PROFILE), auth.fetch(PROFILE)]);
      expect(responses.map((r) => r.status)).toEqual([401, 401]);
      expect(t.server.count(REFRESH)).toBe(1);
      expect(auth.getSnapshot()).toEqual({ status: 'unauthenticated', user: null, expiresAt: null, retryAt: null });
      expect(t.expired).toHaveLength(1);
      expect(t.expired[0]).toMatchObject({ code: 'session_expired', statusCode: 401, detail: 'Token is blacklisted' });
      expect(t.time.pending()).toEqual([]);
      await expect(auth.refresh()).rejects.toMatchObject({ code: 'not_authenticated' });
    });

    it('logout revokes the refresh token on the server and clears the session', async () => {
      const storage = createMemoryStorage();
      await start({ storage });
      const stored = JSON.parse(storage.getItem('tessera.session') as string) as { refresh: string };
      expect(await auth.logout()).toEqual({ confirmed: true });
      const call = t.server.calls.at(-1)!;
      expect(call).toMatchObject({ method: 'POST', path: '/api/auth/logout/', body: { refresh: stored.refresh } });
      expect(call.headers.get('authorization')).toMatch(/^Bearer /);
      expect(auth.getSnapshot().status).toBe('unauthenticated');
      expect(auth.getAccessToken()).toBeNull();
      expect(storage.getItem('tessera.session')).toBeNull();
      expect(t.expired).toEqual([]);
    });

    it('logout with an expired access token revokes by the refresh token (blacklist), without refreshing first', async () => {
      await start({}, { sendDate: false });
      const calls = t.server.calls.length;
      t.time.drop();
      t.time.advance(300_000);
      expect(await auth.logout()).toEqual({ confirmed: true });
      expect(t.server.calls.slice(calls).map((call) => call.path)).toEqual(['/api/token/blacklist/']);
      expect(t.server.calls.at(-1)!.body).toEqual({ refresh: expect.any(String) as unknown });
      expect(auth.getSnapshot().status).toBe('unauthenticated');
    });

    it('logout whose access token the server refuses falls back to the blacklist', async () => {
      await start();
      t.server.failNext.set('/api/auth/logout/', 401);
      expect(await auth.logout()).toEqual({ confirmed: true });
      expect(t.server.calls.slice(-2).map((call) => call.path)).toEqual(['/api/auth/logout/', '/api/token/blacklist/']);
    });

    it.each([
      ['offline', (server: Setup['server']) => void (server.offline = true), { code: 'network_error', statusCode: 0 }],
      [
        'the server unavailable',
        (server: Setup['server']) => void server.failNext.set('/api/auth/logout/', 503),
        { code: 'service_unavailable', statusCode: 503 },
      ],
    ])('logout with %s is not confirmed, says why, and still logs out locally', async (_name, breakIt, reason) => {
      await start();
      breakIt(t.server);
      const result = await auth.logout();
      expect(result).toEqual({ confirmed: false, reason: expect.any(AuthClientError) as unknown });
      expect(result.confirmed ? null : result.reason).toMatchObject(reason);
      expect(auth.getSnapshot()).toEqual({ status: 'unauthenticated', user: null, expiresAt: null, retryAt: null });
      expect(auth.getAccessToken()).toBeNull();
      expect(t.expired).toEqual([]);
    });

    it('a throttled blacklist after the access token expired is an unconfirmed logout', async () => {
      await start({}, { sendDate: false });
      t.time.drop();
      t.time.advance(300_000);
      t.server.failNext.set('/api/token/blacklist/', 429);
      const result = await auth.logout();
      expect(result.confirmed ? null : result.reason).toMatchObject({
        code: 'throttled',
        statusCode: 429,
        retryAfterSeconds: 42,
      });
      expect(auth.getSnapshot().status).toBe('unauthenticated');
    });

    it('logout without a session is confirmed and sends nothing', async () => {
      t = setup();
      auth = t.auth;
      expect(await auth.logout()).toEqual({ confirmed: true });
      expect(t.server.calls).toEqual([]);
    });

    it('logoutAll calls revoke-all and ends the session; it throws when the server could not confirm', async () => {
      await start();
      await auth.logoutAll();
      expect(t.server.calls.at(-1)).toMatchObject({ method: 'POST', path: '/api/token/revoke-all/' });
      expect(auth.getSnapshot().status).toBe('unauthenticated');
      await auth.login('alice', 'pw');
      t.server.offline = true;
      await expect(auth.logoutAll()).rejects.toMatchObject({ code: 'network_error' });
      expect(auth.getSnapshot().status).toBe('unauthenticated');
    });
  });

  describe('throttled refresh', () => {
    it('a 429 on refresh sets status throttled with retryAt from Retry-After, and refreshes at retryAt', async () => {
      await start({}, { sendDate: false });
      t.server.failNext.set(REFRESH, 429);
      t.time.advance(PROACTIVE_DELAY_MS);
      await settle();
      const retryAt = t.time.now() + 42_000;
      expect(auth.getSnapshot()).toMatchObject({ status: 'throttled', retryAt, user: { username: 'alice' } });
      expect(t.time.pending()).toEqual([42_000]);
      expect(t.server.count(REFRESH)).toBe(1);
      expect(t.expired).toEqual([]);

      t.time.advance(42_000);
      await settle();
      expect(t.server.count(REFRESH)).toBe(2);
      expect(auth.getSnapshot()).toMatchObject({ status: 'authenticated', retryAt: null });
      expect((await auth.fetch(PROFILE)).status).toBe(200);
    });

    it('once the access token expires while throttled, requests get 401, status stays throttled, and nothing refreshes before retryAt', async () => {
      await start({}, { sendDate: false });
      t.server.retryAfterSeconds = 120;
      t.server.failNext.set(REFRESH, 429);
      t.time.advance(PROACTIVE_DELAY_MS);
      await settle();
      const retryAt = t.time.now() + 120_000;
      t.time.advance(60_000); // past exp (at 33.75 s), before retryAt (120 s)
      expect((await auth.fetch(PROFILE)).status).toBe(401);
      const error = await auth.refresh().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'throttled', statusCode: 429, retryAfterSeconds: 60 });
      expect(t.server.count(REFRESH)).toBe(1);
      expect(auth.getSnapshot()).toMatchObject({ status: 'throttled', retryAt, user: { username: 'alice' } });

      t.time.advance(60_000);
      await settle();
      expect(t.server.count(REFRESH)).toBe(2);
      expect(auth.getSnapshot()).toMatchObject({ status: 'authenticated', retryAt: null });
      expect((await auth.fetch(PROFILE)).status).toBe(200);
    });

    it('logoutAll while throttled with an expired access token throws throttled: the server revoked nothing', async () => {
      await start({}, { sendDate: false });
      t.server.failNext.set(REFRESH, 429);
      t.time.advance(PROACTIVE_DELAY_MS);
      await settle();
      t.time.advance(40_000); // past exp (at 33.75 s), before retryAt (42 s)
      await expect(auth.logoutAll()).rejects.toMatchObject({ code: 'throttled', statusCode: 429 });
      expect(t.server.calls.at(-1)).toMatchObject({ path: '/api/token/revoke-all/' });
      expect(auth.getSnapshot().status).toBe('unauthenticated');
    });

    it('a 429 without Retry-After (hidden across origins) still throttles, for the back-off delay', async () => {
      await start({}, { sendDate: false });
      t.server.retryAfterSeconds = null;
      t.server.failNext.set(REFRESH, 429);
      await expect(auth.refresh()).rejects.toMatchObject({ code: 'throttled', retryAfterSeconds: null });
      expect(auth.getSnapshot()).toMatchObject({ status: 'throttled', retryAt: t.time.now() + 5_000 });
    });
  });

  describe('offline', () => {
    it('a network error during refresh keeps the session: offline, then authenticated when back online', async () => {
      const win = createFakeWindow();
      await start({ platform: { window: win } });
      t.server.offline = true;
      t.time.advance(PROACTIVE_DELAY_MS);
      await settle();
      expect(auth.getSnapshot().status).toBe('offline');
      expect(auth.getUser()?.username).toBe('alice');
      t.time.advance(60 * 60_000); // an hour of failed retries: still a session
      await settle();
      expect(auth.getSnapshot().status).toBe('offline');
      await expect(auth.fetch(PROFILE)).rejects.toThrow(TypeError);
      expect(t.expired).toEqual([]);
      t.server.offline = false;
      win.dispatch('online', {});
      await settle();
      expect(auth.getSnapshot().status).toBe('authenticated');
      expect((await auth.fetch(PROFILE)).status).toBe(200);
      expect(t.snapshots.map((s) => s.status)).toEqual([
        'authenticated',
        'refreshing',
        'offline',
        ...t.snapshots.slice(3, -2).map(() => expect.stringMatching(/refreshing|offline/) as unknown),
        'refreshing',
        'authenticated',
      ]);
    });

    it('a 503 from the refresh endpoint keeps the session and retries with back-off', async () => {
      await start();
      t.server.failNext.set(REFRESH, 503);
      await expect(auth.refresh()).rejects.toMatchObject({ code: 'service_unavailable', statusCode: 503 });
      expect(auth.getSnapshot().status).toBe('authenticated');
      expect(t.time.pending()).toEqual([5_000]);
      t.time.advance(5_000);
      await settle();
      expect(t.server.count(REFRESH)).toBe(2);
      expect(auth.getSnapshot().status).toBe('authenticated');
      expect(t.time.pending()).toEqual([PROACTIVE_DELAY_MS]);
    });
  });

  describe('proactive refresh', () => {
    it('refreshes before exp, less margin and jitter, then schedules the next one', async () => {
      await start();
      expect(t.time.pending()).toEqual([PROACTIVE_DELAY_MS]);
      t.time.advance(PROACTIVE_DELAY_MS - 1);
      expect(t.server.count(REFRESH)).toBe(0);
      t.time.advance(1);
      await settle();
      expect(t.server.count(REFRESH)).toBe(1);
      // The new token's iat is 266 s (whole seconds), so the next refresh is 250 ms sooner.
      expect(t.time.pending()).toEqual([PROACTIVE_DELAY_MS - 250]);
    });

    it('corrects for a server clock 2 minutes ahead, from its Date header', async () => {
      t = setup();
      auth = t.auth;
      t.serverAhead.ms = 120_000;
      await auth.login('alice', 'pw');
      // The Date header has whole seconds: the client takes the middle of the second, 120.5 s.
      expect(t.time.pending()).toEqual([PROACTIVE_DELAY_MS - 500]);
      expect(auth.getSnapshot().expiresAt).toBe(t.time.now() + 300_000 - 500);
    });

    it('uses the token’s iat when the Date header is hidden (cross-origin)', async () => {
      t = setup({}, { sendDate: false });
      auth = t.auth;
      t.serverAhead.ms = 120_000;
      await auth.login('alice', 'pw');
      expect(t.time.pending()).toEqual([PROACTIVE_DELAY_MS - 500]);
    });

    it('never refreshes in a loop when the margin exceeds the token lifetime', async () => {
      await start({ refreshMarginSeconds: 3600 }, { accessTtlSeconds: 60 });
      // margin capped at 29.5 s (half of the 59 s after the iat second); jitter 0.5 × 7.375 s
      expect(t.time.pending()).toEqual([60_000 - 29_500 - 3_687.5]);
    });

    it('refreshes when the page becomes visible with a due token (timers were throttled)', async () => {
      const doc = Object.assign(createFakeWindow(), { visibilityState: 'hidden', cookie: '' });
      await start({ platform: { document: doc } });
      t.time.drop(); // the hidden tab's timer never ran
      t.time.advance(PROACTIVE_DELAY_MS + 10_000);
      expect(t.server.count(REFRESH)).toBe(0);
      doc.visibilityState = 'visible';
      doc.dispatch('visibilitychange', {});
      await settle();
      expect(t.server.count(REFRESH)).toBe(1);
      expect(auth.getSnapshot().status).toBe('authenticated');
    });
  });
});
