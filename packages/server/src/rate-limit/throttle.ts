import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { RateLimitName, RateLimits } from './rate-limits.js';
import { createLocalCounter, createRedisCounter, withLocalFallback, type WindowCounter } from './window-counter.js';
import { AuthError } from '../errors.js';
import { createRedisClient } from '../redis.js';

/** One bucket a request counts against; `share` multiplies the endpoint's limit for wider buckets. */
export interface ThrottleKey {
  key: string;
  share?: number;
}

/** Rate limits on the guarded endpoints, shared between instances through Redis when configured. */
export interface Throttle {
  /**
   * Counts one attempt against every key of `name`.
   * @throws {AuthError} 429 with `Retry-After` when any bucket is over its limit.
   */
  check(name: RateLimitName, keys: readonly ThrottleKey[]): Promise<void>;
  /** Connects to Redis, if any; resolves even when it cannot (the local counters stand in). Until then, counts locally. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ThrottleOptions {
  limits: RateLimits;
  clock: Clock;
  redisUrl: Config['redisUrl'];
  warn: (message: string, error: unknown) => void;
  /** Told of each refusal, e.g. to count it. */
  onThrottled?: (name: RateLimitName) => void;
}

export function createThrottle({ limits, clock, redisUrl, warn, onThrottled }: ThrottleOptions): Throttle {
  const nothing = () => Promise.resolve();
  if (Object.keys(limits).length === 0) return { check: nothing, start: nothing, close: nothing };
  const local = createLocalCounter(clock);
  let redis: Redis | undefined;
  let counter: WindowCounter = local;
  return {
    async check(name, keys) {
      const rule = limits[name];
      if (rule === undefined) return;
      let waitMs = 0;
      for (const { key, share = 1 } of keys) {
        const hit = await counter.hit(`${name}:${key}`, rule.windowMs);
        if (hit.count > rule.limit * share) waitMs = Math.max(waitMs, hit.resetInMs);
      }
      if (waitMs === 0) return;
      onThrottled?.(name);
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new AuthError('throttled', {
        detail: `Request was throttled. Expected available in ${seconds} seconds.`,
        headers: { 'retry-after': String(seconds) },
      });
    },
    async start() {
      if (redisUrl === undefined) return;
      redis = await createRedisClient(redisUrl);
      redis.on('error', () => {
        // Reported once per outage by the fallback below; ioredis reconnects by itself.
      });
      counter = withLocalFallback(createRedisCounter(redis), local, (error) =>
        warn('redis unavailable: rate limits count per instance until it is back', error),
      );
      await redis.connect().catch((error: unknown) => warn('redis unavailable: rate limits count per instance', error));
    },
    close() {
      redis?.disconnect();
      return Promise.resolve();
    },
  };
}

/**
 * A username as the throttle keys it: NFKC, lower case, trimmed, and hashed
 * so that any input makes a short key and none is kept in clear.
 */
export function usernameKey(username: string): string {
  const normalized = username.normalize('NFKC').trim().toLowerCase();
  return createHash('sha256').update(normalized).digest('base64url').slice(0, 22);
}
