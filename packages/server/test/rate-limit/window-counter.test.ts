import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLocalCounter, createRedisCounter, withLocalFallback } from '../../src/rate-limit/window-counter.js';
import { createRedisClient } from '../../src/redis.js';
import { createManualClock } from '../support/clock.js';

const redisUrl = inject('redisUrl');

describe('local window counter', () => {
  it('counts hits per key within a window and starts over after it', async () => {
    const clock = createManualClock();
    const counter = createLocalCounter(clock);
    expect(await counter.hit('a', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
    clock.advance(10);
    expect(await counter.hit('a', 60_000)).toEqual({ count: 2, resetInMs: 50_000 });
    expect(await counter.hit('b', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
    clock.advance(50);
    expect(await counter.hit('a', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
  });

  it('takes a hit back from a live window only, never below zero, and keeps its end', async () => {
    const clock = createManualClock();
    const counter = createLocalCounter(clock);
    await counter.hit('a', 60_000);
    await counter.hit('a', 60_000);
    clock.advance(10);
    await counter.refund('a');
    expect(await counter.hit('a', 60_000)).toEqual({ count: 2, resetInMs: 50_000 });
    await counter.refund('a');
    await counter.refund('a');
    await counter.refund('a');
    await counter.refund('never hit');
    expect(await counter.hit('a', 60_000)).toEqual({ count: 1, resetInMs: 50_000 });
    clock.advance(50);
    await counter.refund('a');
    expect(await counter.hit('a', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
  });

  it('stays bounded by dropping the oldest window', async () => {
    const counter = createLocalCounter(createManualClock(), 2);
    await counter.hit('a', 1000);
    await counter.hit('a', 1000);
    await counter.hit('b', 1000);
    await counter.hit('c', 1000);
    expect((await counter.hit('a', 1000)).count).toBe(1);
  });
});

describe.runIf(redisUrl !== null)('Redis window counter (real Redis)', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await createRedisClient(redisUrl ?? '', { lazyConnect: false, enableOfflineQueue: true });
  });
  afterAll(() => redis.quit());

  it('shares one count between every counter on the same Redis, with the window as TTL', async () => {
    const key = `test-${randomBytes(6).toString('hex')}`;
    const a = createRedisCounter(redis);
    const b = createRedisCounter(redis);
    const first = await a.hit(key, 60_000);
    expect(first.count).toBe(1);
    expect(first.resetInMs).toBeGreaterThan(59_000);
    expect(first.resetInMs).toBeLessThanOrEqual(60_000);
    expect((await b.hit(key, 60_000)).count).toBe(2);
    expect(
      (await Promise.all(Array.from({ length: 20 }, () => a.hit(key, 60_000))))
        .map((h) => h.count)
        .sort((x, y) => x - y),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
    expect(await redis.pttl(`tessera:rl:${key}`)).toBeGreaterThan(59_000);
    await redis.del(`tessera:rl:${key}`);
  });

  it('takes a hit back without moving the window, and never makes a key that would not expire', async () => {
    const key = `test-${randomBytes(6).toString('hex')}`;
    const counter = createRedisCounter(redis);
    await counter.hit(key, 60_000);
    await counter.hit(key, 60_000);
    await counter.refund(key);
    await counter.refund(key);
    await counter.refund(key);
    expect(await redis.get(`tessera:rl:${key}`)).toBe('0');
    expect(await redis.pttl(`tessera:rl:${key}`)).toBeGreaterThan(59_000);
    await counter.refund(`${key}-never-hit`);
    expect(await redis.exists(`tessera:rl:${key}-never-hit`)).toBe(0);
    expect((await counter.hit(key, 60_000)).count).toBe(1);
    await redis.del(`tessera:rl:${key}`);
  });

  it('falls back to local counting when Redis does not answer, and says so once', async () => {
    const dead = await createRedisClient('redis://127.0.0.1:1', { retryStrategy: () => null });
    const told: unknown[] = [];
    const counter = withLocalFallback(createRedisCounter(dead), createLocalCounter(createManualClock()), (error) =>
      told.push(error),
    );
    expect((await counter.hit('k', 1000)).count).toBe(1);
    expect((await counter.hit('k', 1000)).count).toBe(2);
    await counter.refund('k');
    expect((await counter.hit('k', 1000)).count).toBe(2);
    expect(told).toHaveLength(1);
    dead.disconnect();
  });
});
