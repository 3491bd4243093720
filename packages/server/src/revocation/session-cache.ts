import type { Awaitable } from '../awaitable.js';
import type { Clock } from '../clock.js';
import type { RevocationEvent, SessionState, Store } from '../store/types.js';
import { StoreUnavailableError } from '../store/unavailable.js';

/** After a failed re-read, how long known sessions are served without asking the store again. */
const STORE_RETRY_MS = 1000;

/**
 * What protected requests know of sessions, kept in memory so that the
 * common request reads no database. Entries are dropped by revocation events
 * (from the log or the channel) and, as a backstop, re-read after `maxAgeMs`.
 *
 * While the store cannot be read, a session already known is served as it
 * was last read: no revocation can be committed while the store is down, and
 * each access token still expires on time. A session never read answers 503.
 */
export interface SessionCache {
  /** The session's state: from memory when fresh (synchronously), else from the store. */
  find(sessionId: string): Awaitable<SessionState | undefined>;
  /** Forgets what `event` makes stale. */
  invalidate(event: Pick<RevocationEvent, 'kind' | 'target'>): void;
  /** Forgets every session: each is read again on its next request. */
  clear(): void;
  readonly size: number;
}

export interface SessionCacheOptions {
  clock: Clock;
  maxAgeMs?: number;
  maxEntries?: number;
}

interface Entry {
  state: SessionState;
  cachedAt: number;
}

export function createSessionCache(
  store: Pick<Store, 'findSession'>,
  { clock, maxAgeMs = 30_000, maxEntries = 100_000 }: SessionCacheOptions,
): SessionCache {
  const entries = new Map<string, Entry>();
  const sessionsOfUser = new Map<number, Set<string>>();
  // Bumped by every invalidation: a read that overlapped one is used once, not kept.
  let epoch = 0;

  const forget = (sessionId: string) => {
    const entry = entries.get(sessionId);
    if (entry === undefined) return;
    entries.delete(sessionId);
    const siblings = sessionsOfUser.get(entry.state.userId);
    siblings?.delete(sessionId);
    if (siblings?.size === 0) sessionsOfUser.delete(entry.state.userId);
  };

  let storeDownUntil = 0;

  const load = async (sessionId: string): Promise<SessionState | undefined> => {
    const before = epoch;
    const state = await store.findSession(sessionId);
    if (state === undefined) forget(sessionId);
    if (state === undefined || epoch !== before) return state;
    forget(sessionId);
    if (entries.size >= maxEntries) forget(entries.keys().next().value as string);
    entries.set(sessionId, { state, cachedAt: clock.now() });
    const siblings = sessionsOfUser.get(state.userId) ?? new Set<string>();
    siblings.add(sessionId);
    sessionsOfUser.set(state.userId, siblings);
    return state;
  };

  return {
    find(sessionId) {
      const entry = entries.get(sessionId);
      const now = clock.now();
      if (entry !== undefined && (now - entry.cachedAt < maxAgeMs || now < storeDownUntil)) return entry.state;
      return load(sessionId).catch((error: unknown) => {
        if (!(error instanceof StoreUnavailableError)) throw error;
        storeDownUntil = clock.now() + STORE_RETRY_MS;
        const known = entries.get(sessionId);
        if (known === undefined) throw error;
        return known.state;
      });
    },
    invalidate({ kind, target }) {
      epoch++;
      if (kind === 'session') return forget(target);
      if (kind !== 'user') return;
      for (const sessionId of [...(sessionsOfUser.get(Number(target)) ?? [])]) forget(sessionId);
    },
    clear() {
      epoch++;
      entries.clear();
      sessionsOfUser.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
