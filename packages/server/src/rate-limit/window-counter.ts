import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';

/** A hit on a fixed-window counter: the count so far and when the window ends. */
export interface WindowHit {
  count: number;
  resetInMs: number;
}

/** Counts hits per key in fixed windows: what rate limiting reads. */
export interface WindowCounter {
  hit(key: string, windowMs: number): Promise<WindowHit>;
  /**
   * Takes one hit back from the key's current window, if it has one and its
   * count is above zero; the window's end does not move. What an attempt that
   * counts only when it fails calls once it has succeeded.
   */
  refund(key: string): Promise<void>;
}

/** Counters in this process only: for one instance, and the fallback when Redis is down. */
export function createLocalCounter(clock: Clock, maxKeys = 100_000): WindowCounter {
  const windows = new Map<string, { count: number; endsAt: number }>();
  return {
    hit(key, windowMs) {
      const now = clock.now();
      let window = windows.get(key);
      if (window === undefined || window.endsAt <= now) {
        if (window === undefined && windows.size >= maxKeys) {
          // Drop the oldest window rather than grow without bound.
          windows.delete(windows.keys().next().value as string);
        }
        window = { count: 0, endsAt: now + windowMs };
        windows.set(key, window);
      }
      window.count++;
      return Promise.resolve({ count: window.count, resetInMs: window.endsAt - now });
    },
    refund(key) {
      const window = windows.get(key);
      if (window !== undefined && window.endsAt > clock.now() && window.count > 0) window.count--;
      return Promise.resolve();
    },
  };
}

// INCR, and start the window's clock on the first hit, atomically.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

// DECR only a live window above zero: a DECR on a missing key would create one without a TTL.
const REFUND_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

/** Counters in Redis, shared by every instance. */
export function createRedisCounter(redis: Redis, prefix = 'tessera:rl:'): WindowCounter {
  return {
    async hit(key, windowMs) {
      const [count, ttl] = (await redis.eval(HIT_SCRIPT, 1, `${prefix}${key}`, windowMs)) as [number, number];
      return { count, resetInMs: ttl };
    },
    async refund(key) {
      await redis.eval(REFUND_SCRIPT, 1, `${prefix}${key}`);
    },
  };
}

/**
 * Redis while it answers, this process's own counters while it does not:
 * limits keep holding per instance during an outage, and `onFallback` is told
 * once per outage.
 */
export function withLocalFallback(
  primary: WindowCounter,
  fallback: WindowCounter,
  onFallback: (error: unknown) => void,
): WindowCounter {
  let failing = false;
  const either = async <T>(onPrimary: () => Promise<T>, onFallbackCounter: () => Promise<T>): Promise<T> => {
    try {
      const result = await onPrimary();
      failing = false;
      return result;
    } catch (error) {
      if (!failing) onFallback(error);
      failing = true;
      return onFallbackCounter();
    }
  };
  return {
    hit: (key, windowMs) =>
      either(
        () => primary.hit(key, windowMs),
        () => fallback.hit(key, windowMs),
      ),
    refund: (key) =>
      either(
        () => primary.refund(key),
        () => fallback.refund(key),
      ),
  };
}
