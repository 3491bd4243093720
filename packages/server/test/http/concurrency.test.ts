import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, createTestServer, type TestServer } from '../support/server.js';

const ROUNDS = 100;
const CONCURRENT = 16;
/** 1,600 requests over real HTTP: ~15 s on a quiet 2-core machine, more while other tests share it. */
const ROUNDS_TIMEOUT_MS = 120_000;

describe('concurrent refreshes over real HTTP', () => {
  let server: TestServer;
  let baseUrl: string;
  beforeAll(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  const refresh = async (token: string) => {
    const response = await fetch(`${baseUrl}/api/token/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: token }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  it(
    `gives every presentation the one successor pair in ${ROUNDS} rounds of ${CONCURRENT}`,
    async () => {
      let { refresh: token } = await server.login('alice', 'correct horse');
      for (let round = 0; round < ROUNDS; round++) {
        const results = await Promise.all(Array.from({ length: CONCURRENT }, () => refresh(token)));
        // Inside the grace window every presentation gets the identical pair: one rotation, no tab logged out.
        const first = results[0]!;
        expect(first.status).toBe(200);
        expect(results).toEqual(Array.from({ length: CONCURRENT }, () => first));
        expect((await server.store.findRefreshToken(claimsOf(token).jti as string))?.usedAt).not.toBeNull();
        token = first.body.refresh!;
      }
      // The chain's last token still works: nothing was lost along the way.
      expect((await refresh(token)).status).toBe(200);
    },
    ROUNDS_TIMEOUT_MS,
  );
});
