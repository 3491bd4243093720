// The client tells the truth about a throttled refresh and about a logout,
// against a real tessera whose refresh limit is one per session per hour: the
// second refresh of a session is throttled, deterministically, on the manual clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/support/server.js';
import {
  createAuthClient,
  createMemoryStorage,
  type AuthClient,
  type AuthClientError,
  type FetchLike,
  type TokenStorage,
} from '../src/index.js';
import { ALICE, startRealServer } from './support/real-server.js';
import { barePlatform, snapshotWhere } from './support/setup.js';
import { createManualTime, type ManualTime } from './support/time.js';

const PROFILE = '/api/profile/';
const ACCESS_SECONDS = 300;

describe('a throttled refresh and an unconfirmed logout, against a real tessera', () => {
  let server: TestServer;
  let auth: AuthClient;
  /** The client's timers; moved together with the server's clock by `advance`. */
  let time: ManualTime;
  let expired: AuthClientError[];
  /** Paths the client requested, and a switch to cut the network. */
  let net: { paths: string[]; offline: boolean };
  let storage: TokenStorage;

  beforeEach(async () => {
    const started = await startRealServer({
      TESSERA_ACCESS_TOKEN_LIFETIME: String(ACCESS_SECONDS),
      TESSERA_RATE_LIMITS: 'refresh=1/hour',
    });
    server = started.server;
    time = createManualTime();
    expired = [];
    net = { paths: [], offline: false };
    storage = createMemoryStorage();
    const fetchThroughNet: FetchLike = (input, init) => {
      net.paths.push(new URL(input instanceof Request ? input.url : input.toString()).pathname);
      if (net.offline) return Promise.reject(new TypeError('fetch failed'));
      return fetch(input, init);
    };
    auth = createAuthClient({
      baseUrl: started.baseUrl,
      fetch: fetchThroughNet,
      storage,
      onSessionExpired: (error) => expired.push(error),
      platform: barePlatform(() => server.clock.now(), time.timers),
    });
    await auth.login(ALICE.username, ALICE.password);
  });
  afterEach(async () => {
    auth.dispose();
    await server.close();
  });

  /** Moves the server's clock, then runs the client's timers that fell due. */
  function advance(seconds: number): void {
    server.clock.advance(seconds);
    time.advance(seconds * 1000);
  }

  /** The session's first refresh goes through and spends the hour's budget; the access token then expires. */
  async function throttleTheNextRefresh(): Promise<void> {
    time.drop(); // the proactive refresh is driven by the test
    server.clock.advance(ACCESS_SECONDS);
    expect((await auth.fetch(PROFILE)).status).toBe(200);
    server.clock.advance(ACCESS_SECONDS);
    net.paths = [];
  }

  it('a throttled refresh: status throttled with retryAt, 401s without hammering, then the refresh at retryAt', async () => {
    await throttleTheNextRefresh();
    const response = await auth.fetch(PROFILE);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_not_valid' });
    // One refresh was sent and refused (429); the retry of the request went out, and no second refresh.
    expect(net.paths).toEqual(['/api/token/refresh/', PROFILE]);
    const snapshot = auth.getSnapshot();
    expect(snapshot).toMatchObject({ status: 'throttled', user: { username: 'alice' } });
    const waitMs = snapshot.retryAt! - server.clock.now();
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(3_600_000);
    expect(time.pending()).toEqual([waitMs]);
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'throttled', statusCode: 429 });
    expect(net.paths).toEqual(['/api/token/refresh/', PROFILE]);
    expect(expired).toEqual([]);

    advance(waitMs / 1000);
    await snapshotWhere(auth, (s) => s.status === 'authenticated');
    expect(auth.getSnapshot()).toMatchObject({ retryAt: null, user: { username: 'alice' } });
    expect((await auth.fetch(PROFILE)).status).toBe(200);
  });

  it('logout while throttled with an expired access token ends the session on the server, by the blacklist', async () => {
    await throttleTheNextRefresh();
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'throttled' });
    expect(auth.getSnapshot().status).toBe('throttled');
    const { refresh } = JSON.parse(storage.getItem('tessera.session') as string) as { refresh: string };
    net.paths = [];
    expect(await auth.logout()).toEqual({ confirmed: true });
    expect(net.paths).toEqual(['/api/token/blacklist/']);
    expect(auth.getSnapshot()).toEqual({ status: 'unauthenticated', user: null, expiresAt: null, retryAt: null });
    const verify = await server.post('/api/token/verify/', { token: refresh });
    expect([verify.statusCode, verify.json()]).toEqual([
      401,
      { detail: 'Token is blacklisted', code: 'token_not_valid' },
    ]);
  });

  it('logout the server never heard of is reported unconfirmed, with the reason, and still clears the session', async () => {
    const access = auth.getAccessToken()!;
    net.offline = true;
    const result = await auth.logout();
    expect(result.confirmed).toBe(false);
    expect(result.confirmed ? null : result.reason).toMatchObject({ code: 'network_error', statusCode: 0 });
    expect(auth.getSnapshot()).toEqual({ status: 'unauthenticated', user: null, expiresAt: null, retryAt: null });
    expect(auth.getAccessToken()).toBeNull();
    // The server still holds the session: the access token still works there.
    const profile = await server.app.inject({ url: PROFILE, headers: { authorization: `Bearer ${access}` } });
    expect(profile.statusCode).toBe(200);
  });
});
