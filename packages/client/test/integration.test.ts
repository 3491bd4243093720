// The client against a real tessera (buildApp on a real HTTP port, SQLite in
// memory, a manual clock), with grace window 0 so that any second presentation
// of a refresh token would end the session: one refresh is the only way through.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/support/server.js';
import {
  createAuthClient,
  createLocalStorage,
  type AuthClient,
  type AuthClientError,
  type AuthClientOptions,
  type BroadcastChannelLike,
  type FetchLike,
} from '../src/index.js';
import { startRealServer } from './support/real-server.js';
import { barePlatform, snapshotWhere } from './support/setup.js';
import { createFakeLocks, createFakeWindow, createSharedArea, type FakeWindow } from './support/tabs.js';
import { createManualTime } from './support/time.js';

const PROFILE = '/api/profile/';
let channels = 0;

describe('the client against a real tessera server', () => {
  let server: TestServer;
  let baseUrl: string;
  let clients: AuthClient[];
  /** Network between the clients and the server: counts refreshes, can hold requests or go offline. */
  let net: { refreshes: number; offline: boolean; gate: Promise<void> | null; gatePath: string; fetch: FetchLike };

  beforeEach(async () => {
    ({ server, baseUrl } = await startRealServer({
      TESSERA_REFRESH_GRACE_SECONDS: '0',
      TESSERA_ACCESS_TOKEN_LIFETIME: '300',
    }));
    clients = [];
    net = {
      refreshes: 0,
      offline: false,
      gate: null,
      gatePath: '',
      fetch: async (input, init) => {
        const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
        if (url.includes('/api/token/refresh/')) net.refreshes += 1;
        if (net.gate !== null && url.endsWith(net.gatePath)) await net.gate;
        if (net.offline) throw new TypeError('fetch failed');
        return fetch(input, init);
      },
    };
  });
  afterEach(async () => {
    for (const client of clients) client.dispose();
    await server.close();
  });

  /** A client whose clock is the server's less `behind.ms`, with timers that never fire on their own. */
  function client(options: Partial<AuthClientOptions> = {}, behind = { ms: 0 }): AuthClient {
    const auth = createAuthClient({
      baseUrl,
      fetch: net.fetch,
      ...options,
      platform: {
        ...barePlatform(() => server.clock.now() - behind.ms, createManualTime().timers),
        ...options.platform,
      },
    });
    clients.push(auth);
    return auth;
  }

  it('50 concurrent calls at expiry make one refresh and all 50 succeed', async () => {
    const auth = client();
    await auth.login('alice', 'correct horse');
    server.clock.advance(300);
    const responses = await Promise.all(Array.from({ length: 50 }, () => auth.fetch(PROFILE)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(await responses[49]!.json()).toMatchObject({ username: 'alice' });
    expect(net.refreshes).toBe(1);
  });

  it('50 concurrent calls that all get 401 (client clock behind) make one refresh and all 50 succeed on retry', async () => {
    const behind = { ms: 0 };
    const auth = client({}, behind);
    await auth.login('alice', 'correct horse');
    server.clock.advance(301);
    behind.ms = 301_000;
    const responses = await Promise.all(Array.from({ length: 50 }, () => auth.fetch(PROFILE)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(net.refreshes).toBe(1);
  });

  it('a request in flight when the refresh begins is retried with the new token', async () => {
    const behind = { ms: 0 };
    const auth = client({}, behind);
    await auth.login('alice', 'correct horse');
    const oldToken = auth.getAccessToken();
    let release!: () => void;
    net.gate = new Promise((resolve) => (release = resolve));
    net.gatePath = '/api/profile/?slow';
    const slow = auth.fetch('/api/profile/?slow');
    server.clock.advance(301);
    behind.ms = 301_000; // the client does not know yet: it sends the old token
    expect((await auth.fetch(PROFILE)).status).toBe(200);
    expect(net.refreshes).toBe(1);
    expect(auth.getAccessToken()).not.toBe(oldToken);
    net.gate = null;
    release();
    expect((await slow).status).toBe(200);
    expect(net.refreshes).toBe(1);
  });

  it('two tabs sharing localStorage, a BroadcastChannel and Web Locks make one refresh between them', async () => {
    const windows: FakeWindow[] = [];
    const shared = createSharedArea(windows);
    const locks = createFakeLocks();
    const channelName = `tessera-int-${++channels}`;
    const tab = () => {
      const win = createFakeWindow();
      windows.push(win);
      return client({
        storage: createLocalStorage(shared.viewFrom(win)),
        tabs: { channelName },
        platform: {
          locks,
          window: win,
          createChannel: (name) => new BroadcastChannel(name) as unknown as BroadcastChannelLike,
        },
      });
    };
    const [a, b] = [tab(), tab()];
    await a.login('alice', 'correct horse');
    expect(b.getAccessToken()).toBe(a.getAccessToken());
    server.clock.advance(300);
    const responses = await Promise.all([a.fetch(PROFILE), b.fetch(PROFILE), a.fetch(PROFILE), b.fetch(PROFILE)]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(net.refreshes).toBe(1);
    expect(b.getAccessToken()).toBe(a.getAccessToken());

    await a.logout();
    await snapshotWhere(b, (s) => s.status === 'unauthenticated');
    expect(b.getAccessToken()).toBeNull();
    expect((await b.fetch(PROFILE)).status).toBe(401);
  });

  it('offline keeps the session; back online, the refresh goes through', async () => {
    const expired: AuthClientError[] = [];
    const auth = client({ onSessionExpired: (error) => expired.push(error) });
    await auth.login('alice', 'correct horse');
    server.clock.advance(300);
    net.offline = true;
    await expect(auth.fetch(PROFILE)).rejects.toThrow(TypeError);
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'network_error' });
    expect(auth.getSnapshot()).toMatchObject({ status: 'offline', user: { username: 'alice' } });
    net.offline = false;
    expect((await auth.fetch(PROFILE)).status).toBe(200);
    expect(auth.getSnapshot().status).toBe('authenticated');
    expect(expired).toEqual([]);
  });

  it('a revoked session ends in unauthenticated and calls onSessionExpired once', async () => {
    const expired: AuthClientError[] = [];
    const auth = client({ onSessionExpired: (error) => expired.push(error) });
    await auth.login('alice', 'correct horse');
    const otherDevice = client();
    await otherDevice.login('alice', 'correct horse');
    await otherDevice.logoutAll();
    const responses = await Promise.all([auth.fetch(PROFILE), auth.fetch(PROFILE)]);
    expect(responses.map((r) => r.status)).toEqual([401, 401]);
    expect(auth.getSnapshot()).toEqual({ status: 'unauthenticated', user: null, expiresAt: null, retryAt: null });
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ code: 'session_expired', statusCode: 401 });
    expect(net.refreshes).toBe(1);
  });

  it('logout revokes the session on the server', async () => {
    const auth = client();
    await auth.login('alice', 'correct horse');
    const token = auth.getAccessToken()!;
    await auth.logout();
    const response = await fetch(`${baseUrl}${PROFILE}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
  });
});
