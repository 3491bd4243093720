import type { Platform } from './platform.js';
import { parseSession, type Session } from './session.js';
import type { WebStorageLike } from './storage.js';

/** What tabs tell each other on their `BroadcastChannel`. */
export type TabMessage =
  | { tessera: 1; from: string; type: 'session'; session: Session | null }
  | { tessera: 1; from: string; type: 'refreshing'; stamp: string };

export interface TabSyncOptions {
  platform: Platform;
  /** This tab's id, so it ignores nothing of its own (BroadcastChannel never echoes) but can be named in tests. */
  tabId: string;
  channelName: string;
  lockName: string;
  /** How long to wait for another tab's refresh before refreshing anyway. */
  lockTimeoutMs: number;
  /** The storage key and area whose `storage` events mean another tab changed the session. */
  storageKey: string;
  webStorage: WebStorageLike | undefined;
  /** Another tab logged in, refreshed (a new session) or logged out (null). */
  onRemoteSession(session: Session | null): void;
}

/** Coordination with the other tabs of this origin. */
export interface TabSync {
  /**
   * Runs `refresh` (which must re-read the stored session first) while no
   * other tab refreshes: under the Web Lock `lockName` where there is one,
   * otherwise after any refresh another tab announced for the same
   * credentials. After `lockTimeoutMs` of waiting it runs anyway.
   */
  withRefreshLock<T>(stamp: string, refresh: () => Promise<T>): Promise<T>;
  /** Hands a new session (or a logout, null) to the other tabs. */
  publish(session: Session | null): void;
  close(): void;
}

/**
 * Tab coordination over Web Locks, `BroadcastChannel` and `storage` events,
 * each used where the runtime has it.
 *
 * @example
 * ```ts
 * const tabs = createTabSync({ platform, tabId, channelName: 'tessera.session', lockName: 'tessera.session:refresh',
 *   lockTimeoutMs: 10_000, storageKey: 'tessera.session', webStorage: localStorage, onRemoteSession: adopt });
 * await tabs.withRefreshLock(session.stamp, refreshFromStorageOrNetwork);
 * ```
 */
export function createTabSync(options: TabSyncOptions): TabSync {
  const { platform } = options;
  const { timers } = platform;
  const channel = platform.createChannel?.(options.channelName) ?? null;
  /** Credentials another tab said it is refreshing, and until when we believe it. */
  const othersRefreshing = new Map<string, number>();
  let waiters: Array<() => void> = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };

  channel?.addEventListener('message', (event) => {
    const message = event.data as Partial<TabMessage> | null;
    if (message === null || typeof message !== 'object' || message.tessera !== 1) return;
    if (message.type === 'refreshing' && typeof message.stamp === 'string') {
      othersRefreshing.set(message.stamp, platform.now() + options.lockTimeoutMs);
    } else if (message.type === 'session') {
      options.onRemoteSession(message.session ?? null);
      wake();
    }
  });

  const onStorage = (event: unknown) => {
    const { key, newValue, storageArea } = event as {
      key?: string | null;
      newValue?: string | null;
      storageArea?: unknown;
    };
    if (options.webStorage !== undefined && storageArea !== options.webStorage) return;
    if (key !== options.storageKey && key !== null) return;
    options.onRemoteSession(key === null ? null : parseSession(newValue ?? null));
    wake();
  };
  const win = options.webStorage !== undefined ? platform.window : null;
  win?.addEventListener('storage', onStorage);

  /** Resolves on the next session news from another tab, or after `ms`. */
  function nextNews(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = timers.setTimeout(resolve, ms);
      waiters.push(() => {
        timers.clearTimeout(handle);
        resolve();
      });
    });
  }

  async function withWebLock<T>(locks: NonNullable<Platform['locks']>, refresh: () => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const handle = timers.setTimeout(() => controller.abort(), options.lockTimeoutMs);
    let acquired = false;
    try {
      return await locks.request(options.lockName, { signal: controller.signal }, () => {
        acquired = true;
        timers.clearTimeout(handle);
        return refresh();
      });
    } catch (error) {
      if (acquired) throw error;
      // Another tab held the lock too long (frozen, or crashed mid-refresh): go ahead unlocked.
      return refresh();
    } finally {
      timers.clearTimeout(handle);
    }
  }

  async function withSoftLock<T>(stamp: string, refresh: () => Promise<T>): Promise<T> {
    const until = othersRefreshing.get(stamp);
    const waitMs = until === undefined ? 0 : until - platform.now();
    if (waitMs > 0) await nextNews(waitMs);
    othersRefreshing.delete(stamp);
    channel?.postMessage({ tessera: 1, from: options.tabId, type: 'refreshing', stamp } satisfies TabMessage);
    return refresh();
  }

  return {
    withRefreshLock(stamp, refresh) {
      return platform.locks !== null ? withWebLock(platform.locks, refresh) : withSoftLock(stamp, refresh);
    },
    publish(session) {
      channel?.postMessage({ tessera: 1, from: options.tabId, type: 'session', session } satisfies TabMessage);
    },
    close() {
      channel?.close();
      win?.removeEventListener('storage', onStorage);
      wake();
    },
  };
}
