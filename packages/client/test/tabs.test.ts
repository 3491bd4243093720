import { afterEach, describe, expect, it } from 'vitest';
import {
  createAuthClient,
  createLocalStorage,
  type AuthClient,
  type BroadcastChannelLike,
  type LockManagerLike,
} from '../src/index.js';
import { BASE, createFakeServer, type FakeServer } from './support/fake-server.js';
import { snapshotWhere } from './support/setup.js';
import { createFakeLocks, createFakeWindow, createSharedArea, type FakeWindow } from './support/tabs.js';
import { createManualTime, settle, type ManualTime } from './support/time.js';

const REFRESH = '/api/token/refresh/';
const PROFILE = '/api/profile/';
let channelCount = 0;

interface Browser {
  time: ManualTime;
  server: FakeServer;
  serverAhead: { ms: number };
  channelName: string;
  openTab(): AuthClient;
}

/** One browser profile: a clock, a server, localStorage, and optionally Web Locks and BroadcastChannel. */
function browser({
  locks,
  channel,
}: {
  locks: LockManagerLike | null;
  channel: boolean;
}): Browser & { tabs: AuthClient[] } {
  const time = createManualTime();
  const serverAhead = { ms: 0 };
  const server = createFakeServer({ now: () => time.now() + serverAhead.ms, sendDate: false });
  const windows: FakeWindow[] = [];
  const shared = createSharedArea(windows);
  const channelName = `tessera-test-${++channelCount}`;
  const tabs: AuthClient[] = [];
  return {
    time,
    server,
    serverAhead,
    tabs,
    channelName,
    openTab() {
      const win = createFakeWindow();
      windows.push(win);
      const tab = createAuthClient({
        baseUrl: BASE,
        fetch: server.fetch,
        storage: createLocalStorage(shared.viewFrom(win)),
        tabs: { channelName, lockTimeoutMs: 10_000 },
        platform: {
          now: time.now,
          timers: time.timers,
          random: () => 0.5,
          createChannel: channel ? (name) => new BroadcastChannel(name) as unknown as BroadcastChannelLike : null,
          locks,
          window: win,
          document: null,
        },
      });
      tabs.push(tab);
      return tab;
    },
  };
}

describe('two tabs', () => {
  let open: Array<{ tabs: AuthClient[] }> = [];
  const make = (...args: Parameters<typeof browser>) => {
    const b = browser(...args);
    open.push(b);
    return b;
  };
  afterEach(() => {
    for (const b of open) for (const tab of b.tabs) tab.dispose();
    open = [];
  });

  it('a login in one tab is the other tab’s session too (shared storage)', async () => {
    const b = make({ locks: createFakeLocks(), channel: true });
    const [a, other] = [b.openTab(), b.openTab()];
    await a.login('alice', 'pw');
    expect(other.getAccessToken()).toBe(a.getAccessToken());
    expect(other.getSnapshot().status).toBe('authenticated');
  });

  it('with Web Locks: concurrent 401s in both tabs make one refresh between them', async () => {
    const locks = createFakeLocks();
    const b = make({ locks, channel: true });
    const [a, other] = [b.openTab(), b.openTab()];
    await a.login('alice', 'pw');
    b.serverAhead.ms = 301_000;
    const responses = await Promise.all([
      a.fetch(PROFILE),
      other.fetch(PROFILE),
      a.fetch(PROFILE),
      other.fetch(PROFILE),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(b.server.count(REFRESH)).toBe(1);
    expect(locks.acquisitions).toBe(2);
    expect(other.getAccessToken()).toBe(a.getAccessToken());
  });

  it('with Web Locks: both tabs’ proactive timers firing together make one refresh', async () => {
    const b = make({ locks: createFakeLocks(), channel: false });
    const [a, other] = [b.openTab(), b.openTab()];
    await a.login('alice', 'pw');
    expect(b.time.pending()).toHaveLength(2);
    b.time.advance(300_000);
    await snapshotWhere(other, (s) => s.status === 'authenticated' && other.getAccessToken() !== null);
    await settle();
    expect(b.server.count(REFRESH)).toBe(1);
    expect(other.getAccessToken()).toBe(a.getAccessToken());
  });

  it('refreshes anyway when the lock is not granted within the timeout', async () => {
    const locks = createFakeLocks();
    const b = make({ locks, channel: false });
    const tab = b.openTab();
    await tab.login('alice', 'pw');
    let releaseStuck!: () => void;
    void locks.request('tessera.session:refresh', {}, () => new Promise<void>((resolve) => (releaseStuck = resolve)));
    const refreshed = tab.refresh();
    await settle();
    expect(b.server.count(REFRESH)).toBe(0);
    b.time.advance(10_000);
    await refreshed;
    expect(b.server.count(REFRESH)).toBe(1);
    releaseStuck();
  });

  it('without Web Locks: a tab that hears another is refreshing waits for its session instead', async () => {
    const b = make({ locks: null, channel: true });
    const [a, other] = [b.openTab(), b.openTab()];
    await a.login('alice', 'pw');
    b.time.drop();
    b.server.hold.add(REFRESH);
    const probe = new BroadcastChannel(b.channelName);
    const announced = new Promise<unknown>((resolve) =>
      probe.addEventListener('message', (e) => resolve((e as MessageEvent).data)),
    );
    const first = a.refresh();
    expect(await announced).toMatchObject({ type: 'refreshing' });
    probe.close();
    await settle();
    expect(b.server.heldCount()).toBe(1);
    const second = other.refresh();
    await settle();
    b.server.releaseAll();
    await Promise.all([first, second]);
    expect(b.server.count(REFRESH)).toBe(1);
    expect(other.getAccessToken()).toBe(a.getAccessToken());
  });

  it('logout in one tab logs out the other (BroadcastChannel)', async () => {
    const b = make({ locks: createFakeLocks(), channel: true });
    const [a, other] = [b.openTab(), b.openTab()];
    await a.login('alice', 'pw');
    await a.logout();
    await snapshotWhere(other, (s) => s.status === 'unauthenticated');
    expect(other.getAccessToken()).toBeNull();
    expect(b.time.pending()).toEqual([]);
  });

  it('without BroadcastChannel, storage events carry login, refresh and logout', async () => {
    const b = make({ locks: null, channel: false });
    const [a, other] = [b.openTab(), b.openTab()];
    await a.login('alice', 'pw');
    expect(other.getAccessToken()).toBe(a.getAccessToken());
    await a.refresh();
    expect(other.getAccessToken()).toBe(a.getAccessToken());
    await a.logout();
    expect(other.getSnapshot()).toEqual({ status: 'unauthenticated', user: null, expiresAt: null, retryAt: null });
  });

  it('a session ended by the server in one tab ends in the other, which calls no refresh of its own', async () => {
    const b = make({ locks: createFakeLocks(), channel: true });
    const [a, other] = [b.openTab(), b.openTab()];
    await a.login('alice', 'pw');
    b.server.revokeAll();
    expect((await a.fetch(PROFILE)).status).toBe(401);
    await snapshotWhere(other, (s) => s.status === 'unauthenticated');
    expect(b.server.count(REFRESH)).toBe(1);
  });
});
