import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';

const ROUNDS = 100;
const CONCURRENT = 16;

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

  it(`gives exactly one successor per round in ${ROUNDS} rounds of ${CONCURRENT} presentations`, async () => {
    let { refresh: token } = await server.login('alice', 'correct horse');
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.all(Array.from({ length: CONCURRENT }, () => refresh(token)));
      const winners = results.filter((r) => r.status === 200);
      const losers = results.filter((r) => r.status !== 200);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(CONCURRENT - 1);
      for (const loser of losers) {
        expect(loser).toEqual({ status: 401, body: { detail: 'Token is blacklisted', code: 'token_not_valid' } });
      }
      token = winners[0]!.body.refresh!;
    }
    // The chain's last token still works: nothing was lost along the way.
    expect((await refresh(token)).status).toBe(200);
  });
});
