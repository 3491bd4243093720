import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';

/** How many audit rows of `event` there are, and the longest text any of them holds. */
async function rowsOf(server: TestServer, event: 'login_throttled' | 'login_failure') {
  const { count, records } = await server.store.listAudit({ event, offset: 0, limit: 1000 });
  const longest = (pick: (r: (typeof records)[number]) => string) => Math.max(0, ...records.map((r) => pick(r).length));
  return { count, username: longest((r) => r.username), userAgent: longest((r) => r.userAgent) };
}

describe('what a client can make the audit log hold', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_RATE_LIMITS: '' });
  });
  afterEach(() => server.close());

  // As large as a body and a header may be: the most a flood could write per row.
  const username = 'u'.repeat(15_000);
  const flood = (requests: number) =>
    Promise.all(
      Array.from({ length: requests }, () =>
        server.post('/api/token/', { username, password: 'guess' }, { 'user-agent': 'a'.repeat(8000) }),
      ),
    );

  it('records a throttled key once per window, however many requests are refused, and bounds each row', async () => {
    const answers = await flood(200);
    expect(answers.filter((a) => a.statusCode === 401)).toHaveLength(5);
    expect(answers.filter((a) => a.statusCode === 429)).toHaveLength(195);
    expect(await rowsOf(server, 'login_throttled')).toEqual({ count: 1, username: 150, userAgent: 256 });
    expect(await rowsOf(server, 'login_failure')).toEqual({ count: 5, username: 150, userAgent: 256 });

    server.clock.advance(30);
    await flood(50);
    expect((await rowsOf(server, 'login_throttled')).count).toBe(1);
    server.clock.advance(30);
    await flood(50);
    expect((await rowsOf(server, 'login_throttled')).count).toBe(2);
    expect((await rowsOf(server, 'login_failure')).count).toBe(10);
  });
});
