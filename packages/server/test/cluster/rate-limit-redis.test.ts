import { describe, expect, inject, it } from 'vitest';
import { createRedisClient } from '../../src/redis.js';
import { createTestServer, type TestServer } from '../support/server.js';

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl !== null)('rate limits shared through Redis', () => {
  it('counts attempts on every instance against one limit', async () => {
    const redis = await createRedisClient(redisUrl!, { lazyConnect: false, enableOfflineQueue: true });
    const keys = await redis.keys('tessera:rl:*obtain*');
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    const env = { TESSERA_RATE_LIMITS: '', REDIS_URL: redisUrl! };
    const [a, b] = [await createTestServer(env), await createTestServer(env)];
    try {
      const attempt = (server: TestServer) =>
        server.post('/api/token/', { username: 'shared-alice', password: 'wrong password' });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await attempt(i % 2 === 0 ? a : b)).statusCode);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
