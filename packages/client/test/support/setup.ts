import {
  createAuthClient,
  type AuthClient,
  type AuthClientError,
  type AuthClientOptions,
  type AuthSnapshot,
  type Timers,
} from '../../src/index.js';
import { BASE, createFakeServer, type FakeServer, type FakeServerOptions } from './fake-server.js';
import { createManualTime, type ManualTime } from './time.js';

export interface Setup {
  time: ManualTime;
  server: FakeServer;
  auth: AuthClient;
  expired: AuthClientError[];
  /** Every snapshot the client published, in order. */
  snapshots: AuthSnapshot[];
  /** How far the server's clock is ahead of the client's; change it to make clocks disagree. */
  serverAhead: { ms: number };
}

/** A client against a fake server, on a manual clock, with no browser features unless given. */
export function setup(options: Partial<AuthClientOptions> = {}, serverOptions: Partial<FakeServerOptions> = {}): Setup {
  const time = createManualTime();
  const serverAhead = { ms: 0 };
  const server = createFakeServer({ now: () => time.now() + serverAhead.ms, ...serverOptions });
  const expired: AuthClientError[] = [];
  const auth = createAuthClient({
    baseUrl: BASE,
    fetch: server.fetch,
    onSessionExpired: (error) => expired.push(error),
    ...options,
    platform: { ...barePlatform(time.now, time.timers), random: () => 0.5, ...options.platform },
  });
  const snapshots: AuthSnapshot[] = [];
  auth.subscribe((snapshot) => snapshots.push(snapshot));
  return { time, server, auth, expired, snapshots, serverAhead };
}

/** A platform of `now` and `timers` alone: no BroadcastChannel, Web Locks, window or document. */
export function barePlatform(now: () => number, timers: Timers): NonNullable<AuthClientOptions['platform']> {
  return { now, timers, createChannel: null, locks: null, window: null, document: null };
}

/** Resolves once `auth`'s snapshot satisfies `predicate` (event-driven, no timers). */
export function snapshotWhere(auth: AuthClient, predicate: (snapshot: AuthSnapshot) => boolean): Promise<AuthSnapshot> {
  return new Promise((resolve) => {
    if (predicate(auth.getSnapshot())) return resolve(auth.getSnapshot());
    const stop = auth.subscribe((snapshot) => {
      if (!predicate(snapshot)) return;
      stop();
      resolve(snapshot);
    });
  });
}

export { BASE };
