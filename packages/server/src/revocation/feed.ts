import type { RevocationEvent, Store } from '../store/types.js';
import { StoreUnavailableError } from '../store/unavailable.js';

type Event = Pick<RevocationEvent, 'kind' | 'target'>;

/** Where instances tell each other at once what they revoked (Redis pub/sub). */
export interface RevocationChannel {
  publish(event: Event): Promise<void>;
  subscribe(listener: (event: Event) => void): Promise<void>;
  /** Whether the channel answers now, within its command timeout. */
  answers(): Promise<boolean>;
  close(): Promise<void>;
}

export interface RevocationFeedOptions {
  store: Pick<Store, 'readRevocations' | 'latestRevocationId'>;
  onEvent: (event: Event) => void;
  /** How often the revocation log is read; the bound on propagation without a channel. */
  pollIntervalMs: number;
  channel?: RevocationChannel | undefined;
  warn: (message: string, error: unknown) => void;
  /**
   * Told when the feed starts following the log late (the store was not
   * reachable at start): whatever was read before then must be read again.
   */
  onResync?: () => void;
}

export interface RevocationFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Reads the log once now (tests, and the timer). */
  poll(): Promise<void>;
}

const PAGE = 1000;

/**
 * Feeds revocations to `onEvent` from two sources: the channel, when there is
 * one, within milliseconds; and the append-only log in the database, read
 * every `pollIntervalMs`, which also covers messages the channel lost.
 */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const { store, onEvent, pollIntervalMs, channel, warn, onResync } = options;
  /** The last log entry seen; undefined until the store could be read. */
  let cursor: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let failing = false;

  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      if (cursor === undefined) {
        cursor = await store.latestRevocationId();
        onResync?.();
      }
      for (;;) {
        const events = await store.readRevocations(cursor, PAGE);
        for (const event of events) onEvent(event);
        if (events.length > 0) cursor = events[events.length - 1]!.id;
        if (events.length < PAGE) break;
      }
      if (failing) warn('revocation log readable again', undefined);
      failing = false;
    } catch (error) {
      // Logged once per outage: the store's own errors say the rest.
      if (!failing) warn('cannot read the revocation log; retrying', error);
      failing = true;
    } finally {
      polling = false;
    }
  };

  return {
    async start() {
      // A store not reachable yet (tessera started before its database): the first good poll starts the cursor.
      cursor = await store.latestRevocationId().catch((error: unknown) => {
        if (!(error instanceof StoreUnavailableError)) throw error;
        return undefined;
      });
      if (channel !== undefined) await channel.subscribe(onEvent);
      timer = setInterval(() => void poll(), pollIntervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await channel?.close();
    },
    poll,
  };
}

/**
 * The store, calling `announce` after each revocation it commits: this
 * instance drops what it cached at once, and other instances hear of it on
 * the channel before their next poll.
 */
export function announceRevocations(store: Store, announce: (event: Event) => void): Store {
  const user = (userId: number): Event => ({ kind: 'user', target: String(userId) });
  return {
    ...store,
    async revokeSession(sessionId, now, reason, audit) {
      await store.revokeSession(sessionId, now, reason, audit);
      announce({ kind: 'session', target: sessionId });
    },
    async revokeUserSessions(userId, now, reason, keepSession, audit) {
      const count = await store.revokeUserSessions(userId, now, reason, keepSession, audit);
      announce(user(userId));
      return count;
    },
    async setPassword(userId, passwordHash, now, keepSession, audit) {
      await store.setPassword(userId, passwordHash, now, keepSession, audit);
      announce(user(userId));
    },
    async setEmailVerified(userId, verified, now, audit) {
      const changed = await store.setEmailVerified(userId, verified, now, audit);
      if (changed) announce(user(userId));
      return changed;
    },
    async completeEmailVerification(tokenHash, now, audit) {
      const userId = await store.completeEmailVerification(tokenHash, now, audit);
      if (userId !== undefined) announce(user(userId));
      return userId;
    },
    async completePasswordReset(reset, audit) {
      const done = await store.completePasswordReset(reset, audit);
      if (done) announce(user(reset.userId));
      return done;
    },
    async updateProfile(userId, changes, now, audit, mail) {
      const updated = await store.updateProfile(userId, changes, now, audit, mail);
      announce(user(userId));
      return updated;
    },
    async setActive(userId, active, now, audit) {
      await store.setActive(userId, active, now, audit);
      announce(user(userId));
    },
    async updateUser(userId, changes, now, audit) {
      const updated = await store.updateUser(userId, changes, now, audit);
      announce(user(userId));
      return updated;
    },
    async deleteUser(userId, now, audit) {
      const deleted = await store.deleteUser(userId, now, audit);
      announce(user(userId));
      return deleted;
    },
    async changeSigningKeys(change) {
      const changed = await store.changeSigningKeys(change);
      if (changed) announce(change.log);
      return changed;
    },
  };
}
