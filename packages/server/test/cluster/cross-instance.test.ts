import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { startTessera, type TesseraProcess } from '../support/processes.js';
import { createSchema } from '../support/stores.js';
import { seedUser } from '../support/users.js';

const postgresUrl = inject('postgresUrl');
const ROUNDS = 100;
const CONCURRENT = 16;

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

describe.runIf(postgresUrl !== null && process.env.TESSERA_TEST_DIALECT !== 'postgres')(
  'two instances on one PostgreSQL',
  () => {
    let schema: string;
    let a: TesseraProcess;
    let b: TesseraProcess;

    beforeAll(async () => {
      schema = await createSchema(postgresUrl!, 'cluster');
      const store = await openPostgresStore({ url: postgresUrl!, schema });
      await seedUser(store, 'alice', 'correct horse');
      await store.close();
      const url = new URL(postgresUrl!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      [a, b] = await Promise.all([
        startTessera({ databaseUrl: url.toString() }),
        startTessera({ databaseUrl: url.toString() }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
    });

    const login = async (base: string) => {
      const response = await post(base, '/api/token/', { username: 'alice', password: 'correct horse' });
      expect(response.status).toBe(200);
      return response.body as { access: string; refresh: string };
    };

    it(`rotates one token once per round across both, ${ROUNDS} rounds of ${CONCURRENT}`, async () => {
      let { refresh } = await login(a.baseUrl);
      for (let round = 0; round < ROUNDS; round++) {
        const results = await Promise.all(
          Array.from({ length: CONCURRENT }, (_, i) =>
            post(i % 2 === 0 ? a.baseUrl : b.baseUrl, '/api/token/refresh/', { refresh }),
          ),
        );
        const winners = results.filter((r) => r.status === 200);
        expect(winners).toHaveLength(1);
        for (const loser of results.filter((r) => r.status !== 200)) {
          expect(loser).toEqual({ status: 401, body: { detail: 'Token is blacklisted', code: 'token_not_valid' } });
        }
        refresh = winners[0]!.body!.refresh as string;
      }
    });

    it('refuses on B, at once, the tokens of a session logged out on A', async () => {
      const pair = await login(a.baseUrl);
      const profileOnB = () =>
        fetch(`${b.baseUrl}/api/profile/`, { headers: { authorization: `Bearer ${pair.access}` } });
      expect((await profileOnB()).status).toBe(200);
      const logout = await post(
        a.baseUrl,
        '/api/auth/logout/',
        { refresh: pair.refresh },
        {
          authorization: `Bearer ${pair.access}`,
        },
      );
      expect(logout.status).toBe(205);
      const denied = await profileOnB();
      expect(denied.status).toBe(401);
      expect(((await denied.json()) as { messages: Array<{ message: string }> }).messages[0]!.message).toBe(
        'Token is blacklisted',
      );
      expect(await post(b.baseUrl, '/api/token/refresh/', { refresh: pair.refresh })).toEqual({
        status: 401,
        body: { detail: 'Token is blacklisted', code: 'token_not_valid' },
      });
    });
  },
);
