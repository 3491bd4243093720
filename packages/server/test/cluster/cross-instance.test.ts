import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTessera, type TesseraProcess } from '../support/processes.js';
import { createSeededDatabase } from '../support/stores.js';
import { within } from '../support/eventually.js';
import { postJson } from '../support/post-json.js';

const postgresUrl = inject('postgresUrl');
const redisUrl = inject('redisUrl');
const ROUNDS = 100;
const CONCURRENT = 16;
/** 1,600 requests to two processes: ~20 s on a quiet 2-core machine, more while other tests share it. */
const ROUNDS_TIMEOUT_MS = 120_000;

describe.runIf(postgresUrl !== null && process.env.TESSERA_TEST_DIALECT !== 'postgres')(
  'two instances on one PostgreSQL',
  () => {
    let a: TesseraProcess;
    let b: TesseraProcess;

    beforeAll(async () => {
      const databaseUrl = await createSeededDatabase(postgresUrl!, 'cluster');
      [a, b] = await Promise.all([startTessera({ databaseUrl }), startTessera({ databaseUrl })]);
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
    });

    const login = async (base: string) => {
      const response = await postJson(base, '/api/token/', { username: 'alice', password: 'correct horse' });
      expect(response.status).toBe(200);
      return response.body as { access: string; refresh: string };
    };

    it(
      `rotates one token once per round across both, ${ROUNDS} rounds of ${CONCURRENT}`,
      async () => {
        let { refresh } = await login(a.baseUrl);
        for (let round = 0; round < ROUNDS; round++) {
          const results = await Promise.all(
            Array.from({ length: CONCURRENT }, (_, i) =>
              postJson(i % 2 === 0 ? a.baseUrl : b.baseUrl, '/api/token/refresh/', { refresh }),
            ),
          );
          // One rotation, whichever instance won it: every presentation gets the identical pair.
          expect(results[0]!.status).toBe(200);
          expect(results).toEqual(Array.from({ length: CONCURRENT }, () => results[0]));
          refresh = results[0]!.body!.refresh as string;
        }
      },
      ROUNDS_TIMEOUT_MS,
    );

    it('refuses on B, within one second, the tokens of a session logged out on A', async () => {
      await expectLogoutReaches(a, b);
    });
  },
);

/** Logs out on `a` a session `b` has cached, and waits for `b` to refuse its access token. */
async function expectLogoutReaches(a: TesseraProcess, b: TesseraProcess): Promise<number> {
  const login = await postJson(a.baseUrl, '/api/token/', { username: 'alice', password: 'correct horse' });
  const pair = login.body as { access: string; refresh: string };
  const profileOnB = () => fetch(`${b.baseUrl}/api/profile/`, { headers: { authorization: `Bearer ${pair.access}` } });
  expect((await profileOnB()).status).toBe(200);
  const logout = await postJson(
    a.baseUrl,
    '/api/auth/logout/',
    { refresh: pair.refresh },
    { authorization: `Bearer ${pair.access}` },
  );
  expect(logout.status).toBe(205);
  const took = await within(1000, async () => (await profileOnB()).status === 401);
  const denied = await profileOnB();
  expect(((await denied.json()) as { messages: Array<{ message: string }> }).messages[0]!.message).toBe(
    'Token is blacklisted',
  );
  expect(await postJson(b.baseUrl, '/api/token/refresh/', { refresh: pair.refresh })).toEqual({
    status: 401,
    body: { detail: 'Token is blacklisted', code: 'token_not_valid' },
  });
  return took;
}

describe.runIf(postgresUrl !== null && process.env.TESSERA_TEST_DIALECT !== 'postgres')(
  'revocations between instances, with Redis and with Redis down',
  () => {
    const instances: TesseraProcess[] = [];
    let databaseUrl: string;
    beforeAll(async () => {
      databaseUrl = await createSeededDatabase(postgresUrl!, 'redis');
    });
    afterAll(async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
    });
    const pair = async (env: Record<string, string>) => {
      const started = await Promise.all([startTessera({ databaseUrl, env }), startTessera({ databaseUrl, env })]);
      instances.push(...started);
      return started;
    };

    it.runIf(redisUrl !== null)('carries a logout over the Redis channel, well before the next poll', async () => {
      // A slow poll, so that only the channel can be this quick.
      const [a, b] = await pair({ REDIS_URL: redisUrl!, TESSERA_REVOCATION_POLL_MS: '1000' });
      const ready = (await (await fetch(`${b.baseUrl}/readyz`)).json()) as Record<string, string>;
      expect(ready).toEqual({ status: 'ok', store: 'ok', redis: 'ok' });
      // Three in a row under 150 ms: by polling alone, about a 1 in 300 chance.
      for (let i = 0; i < 3; i++) expect(await expectLogoutReaches(a, b)).toBeLessThan(150);
    });

    it('refuses on B, within one second, the access tokens of a session whose refresh token was reused on A', async () => {
      const [a, b] = await pair({ TESSERA_REFRESH_GRACE_SECONDS: '0' });
      const first = (await postJson(a.baseUrl, '/api/token/', { username: 'alice', password: 'correct horse' })).body!;
      const rotated = (await postJson(a.baseUrl, '/api/token/refresh/', { refresh: first.refresh })).body!;
      const profileOnB = () =>
        fetch(`${b.baseUrl}/api/profile/`, { headers: { authorization: `Bearer ${rotated.access as string}` } });
      expect((await profileOnB()).status).toBe(200);
      expect(await postJson(a.baseUrl, '/api/token/refresh/', { refresh: first.refresh })).toEqual({
        status: 401,
        body: { detail: 'Token is blacklisted', code: 'token_not_valid' },
      });
      await within(1000, async () => (await profileOnB()).status === 401);
      expect(await postJson(b.baseUrl, '/api/token/refresh/', { refresh: rotated.refresh })).toEqual({
        status: 401,
        body: { detail: 'Token is blacklisted', code: 'token_not_valid' },
      });
    });

    it('still refuses within one second when Redis is unreachable, through the database log', async () => {
      const [a, b] = await pair({ REDIS_URL: 'redis://127.0.0.1:1' });
      const ready = (await (await fetch(`${b.baseUrl}/readyz`)).json()) as Record<string, string>;
      expect(ready).toEqual({ status: 'ok', store: 'ok', redis: 'unavailable' });
      await expectLogoutReaches(a, b);
    });
  },
);
