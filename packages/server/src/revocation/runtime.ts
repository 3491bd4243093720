import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { RevocationEvent, Store } from '../store/types.js';
import { announceRevocations, createRevocationFeed, type RevocationChannel } from './feed.js';
import { createFeedTail, type FeedTail } from './feed-tail.js';
import { createRedisChannel } from './redis-channel.js';
import { createSessionCache, type SessionCache } from './session-cache.js';

export interface RevocationRuntime {
  /** The store to use: it announces every revocation it commits. */
  store: Store;
  sessions: SessionCache;
  /** The revocation feed's one reader of the log, woken by every revocation this instance sees. */
  feedTail: FeedTail;
  /** Redis as readiness reports it; undefined without Redis. */
  redisStatus: () => Promise<RedisStatus | undefined>;
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

/** `degraded`: connected, but not answering in time (requests fall back as when it is down). */
export type RedisStatus = 'ok' | 'degraded' | 'unavailable';

export interface Logger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

/**
 * How revocations reach every instance within a second: the session cache
 * each instance reads on protected requests, dropped by this instance's own
 * revocations at once, by the Redis channel within milliseconds, and by the
 * revocation log in the database every `revocationPollMs` — which alone keeps
 * the bound when Redis is absent or down. The revocation feed's streams
 * follow the same signals.
 */
export function createRevocationRuntime(
  store: Store,
  config: Pick<Config, 'redisUrl' | 'revocationPollMs'>,
  clock: Clock,
  log: Logger,
  /** Told when a signing key was revoked or the key set changed: the key ring loads again. */
  onKeysChanged: () => void = () => undefined,
): RevocationRuntime {
  const sessions = createSessionCache(store, { clock });
  let up: boolean | undefined;
  let channel: RevocationChannel | undefined;
  if (config.redisUrl !== undefined) {
    up = false;
    channel = createRedisChannel(config.redisUrl, (isUp, error) => {
      up = isUp;
      if (isUp) log.info({}, 'redis connected: revocations travel on the channel again');
      else log.warn({ err: error }, 'redis unavailable: revocations travel through the database log only');
    });
  }
  const warn = (message: string, error: unknown) => log.warn({ err: error }, message);
  const feedTail = createFeedTail({ store, pollIntervalMs: config.revocationPollMs, warn });
  const heard = (event: Pick<RevocationEvent, 'kind' | 'target'>) => {
    if (event.kind === 'key' || event.kind === 'keys') onKeysChanged();
    else sessions.invalidate(event);
    feedTail.wake();
  };
  const feed = createRevocationFeed({
    store,
    onEvent: heard,
    pollIntervalMs: config.revocationPollMs,
    channel,
    warn,
    onResync: () => {
      sessions.clear();
      onKeysChanged();
    },
  });
  const announcing = announceRevocations(store, (event) => {
    heard(event);
    channel?.publish(event).catch((error: unknown) => warn('cannot announce a revocation; the log carries it', error));
  });
  return {
    store: announcing,
    sessions,
    feedTail,
    async redisStatus() {
      if (channel === undefined) return undefined;
      if (up !== true) return 'unavailable';
      return (await channel.answers()) ? 'ok' : 'degraded';
    },
    start: () => feed.start(),
    stop: () => {
      feedTail.close();
      return feed.stop();
    },
  };
}
