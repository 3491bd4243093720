import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { RateLimitName, RateLimits } from './rate-limits.js';
import { createLocalCounter, createRedisCounter, withLocalFallback, type WindowCounter } from './window-counter.js';
import { AuthError } from '../errors.js';
import { createRedisClient } from '../redis.js';

/** One bucket an attempt counts against: the limit that applies, and what it is counted per. */
export interface Bucket {
  limit: RateLimitName;
  key: string;
  /** Counted only if the attempt fails: {@link Attempt.forgive} takes it back. */
  failuresOnly?: boolean;
  /**
   * Asked only when this bucket is over its limit: resolving true lets the
   * attempt through all the same (it is still counted).
   */
  exempt?: () => Promise<boolean>;
}

/** An attempt that passed the throttle. */
export interface Attempt {
  /** The attempt did not fail: takes back its hits on `failuresOnly` buckets. Call at most once. */
  forgive(): Promise<void>;
}

/** A 429; `firstInWindow` is true for the first refusal of its bucket in a window, so it can be recorded once. */
export class ThrottledError extends AuthError {
  constructor(
    seconds: number,
    readonly firstInWindow: boolean,
  ) {
    super('throttled', {
      detail: `Request was throttled. Expected available in ${seconds} seconds.`,
      headers: { 'retry-after': String(seconds) },
    });
  }
}

/** Rate limits on the guarded endpoints, shared between instances through Redis when configured. */
export interface Throttle {
  /**
   * Counts one attempt against every bucket, before the work it guards is
   * done: counting first keeps concurrent attempts from all slipping under a
   * limit. A refused attempt is counted nowhere.
   * @throws {ThrottledError} 429 with `Retry-After` when a bucket is over its limit and not exempt.
   */
  attempt(buckets: readonly Bucket[]): Promise<Attempt>;
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
  /**
   * Counters shared by the processes of this server (a `--workers` primary's),
   * used in place of this process's own; its own stand in while the shared
   * ones fail. Redis, when configured, comes first all the same.
   */
  shared?: WindowCounter;
}

const NOTHING_TO_FORGIVE: Attempt = { forgive: () => Promise.resolve() };

export function createThrottle({ limits, clock, redisUrl, warn, onThrottled, shared }: ThrottleOptions): Throttle {
  const nothing = () => Promise.resolve();
  if (Object.keys(limits).length === 0) {
    return { attempt: () => Promise.resolve(NOTHING_TO_FORGIVE), start: nothing, close: nothing };
  }
  const local =
    shared === undefined
      ? createLocalCounter(clock)
      : withLocalFallback(shared, createLocalCounter(clock), (error) =>
          warn('the cluster primary did not count: rate limits count per worker until it does', error),
        );
  let redis: Redis | undefined;
  let counter: WindowCounter = local;
  const refund = async (counted: readonly string[]) => {
    for (const key of counted) await counter.refund(key);
  };
  return {
    async attempt(buckets) {
      const counted: Array<{ key: string; failuresOnly: boolean }> = [];
      let refusal: { bucket: string; limit: RateLimitName; waitMs: number } | undefined;
      for (const bucket of buckets) {
        const rule = limits[bucket.limit];
        if (rule === undefined) continue;
        const key = `${bucket.limit}:${bucket.key}`;
        const hit = await counter.hit(key, rule.windowMs);
        counted.push({ key, failuresOnly: bucket.failuresOnly === true });
        if (hit.count <= rule.limit || hit.resetInMs <= (refusal?.waitMs ?? 0)) continue;
        if (bucket.exempt !== undefined && (await bucket.exempt())) continue;
        refusal = { bucket: key, limit: bucket.limit, waitMs: hit.resetInMs };
      }
      if (refusal === undefined) {
        const forgivable = counted.filter((c) => c.failuresOnly).map((c) => c.key);
        return { forgive: () => refund(forgivable) };
      }
      await refund(counted.map((c) => c.key));
      onThrottled?.(refusal.limit);
      const first = await counter.hit(`refused:${refusal.bucket}`, refusal.waitMs);
      throw new ThrottledError(Math.max(1, Math.ceil(refusal.waitMs / 1000)), first.count === 1);
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
