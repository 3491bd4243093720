import type { Redis, RedisOptions } from 'ioredis';

/**
 * How tessera talks to Redis, for rate limits and the revocation channel
 * alike: fail fast instead of queueing while Redis is down (callers fall back
 * to local counting or to the revocation log), and keep reconnecting.
 */
const REDIS_OPTIONS = {
  enableOfflineQueue: false,
  // A Redis that keeps its connection open and stops answering must not hold
  // requests: a command fails after this, and its caller falls back as when Redis is down.
  commandTimeout: 200,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  retryStrategy: () => 500,
  lazyConnect: true,
} as const satisfies RedisOptions;

/**
 * A client for `url`, not yet connected (`connect()` it). ioredis is loaded
 * here, when Redis is configured: a server without Redis does not pay its memory.
 */
export async function createRedisClient(url: string, overrides: RedisOptions = {}): Promise<Redis> {
  const { Redis: Client } = await import('ioredis');
  return new Client(url, { ...REDIS_OPTIONS, ...overrides });
}
