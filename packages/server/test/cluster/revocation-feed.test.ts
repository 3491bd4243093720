// The revocation feed across tessera processes sharing one PostgreSQL: a
// logout on one instance reaches a stream on another within the poll bound,
// with Redis and without, and a client that reconnects after a restart, with
// its cursor, misses nothing.
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { PATH, run } from '../cli/sandbox.js';
import { within } from '../support/eventually.js';
import { openEventStream, type EventStreamClient } from '../support/event-stream.js';
import { startTessera, type TesseraProcess } from '../support/processes.js';
import { TEST_SECRET, claimsOf } from '../support/server.js';
import { createSeededDatabase } from '../support/stores.js';
import { postJson } from '../support/post-json.js';

const postgresUrl = inject('postgresUrl');
const redisUrl = inject('redisUrl');
const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));
const FEED = '/api/token/revocations/';

/** Logs alice in and out on `base`; returns the session id that ended. */
async function logInAndOut(base: string): Promise<string> {
  const login = await postJson(base, '/api/token/', { username: 'alice', password: 'correct horse' });
  expect(login.status).toBe(200);
  const { access, refresh } = login.body as { access: string; refresh: string };
  expect((await postJson(base, '/api/auth/logout/', { refresh }, { authorization: `Bearer ${access}` })).status).toBe(
    205,
  );
  return (claimsOf(access) as { sid: string }).sid;
}

describe.runIf(postgresUrl !== null && process.env.TESSERA_TEST_DIALECT !== 'postgres')(
  'the revocation feed across instances on one PostgreSQL',
  () => {
    let databaseUrl: string;
    let authorization: string;
    const instances: TesseraProcess[] = [];
    const streams: EventStreamClient[] = [];

    beforeAll(async () => {
      databaseUrl = await createSeededDatabase(postgresUrl!, 'feed');
      // As an operator would: the CLI prints the secret alone on the last line.
      const created = await run(process.execPath, [BIN, 'services', 'create', 'verifier'], process.cwd(), {
        PATH,
        DATABASE_URL: databaseUrl,
        TESSERA_SECRET_KEY: TEST_SECRET,
      });
      expect([created.code, created.stderr]).toEqual([0, '']);
      const secret = created.stdout.trimEnd().split('\n').at(-1)!;
      authorization = `Basic ${Buffer.from(`verifier:${secret}`).toString('base64')}`;
    });
    afterEach(async () => {
      for (const stream of streams.splice(0)) stream.close();
      await Promise.all(instances.splice(0).map((instance) => instance.stop()));
    });

    const start = async (env: Record<string, string> = {}) => {
      const instance = await startTessera({ databaseUrl, env });
      instances.push(instance);
      return instance;
    };
    const follow = async (instance: TesseraProcess, headers: Record<string, string> = {}) => {
      const stream = await openEventStream(`${instance.baseUrl}${FEED}`, { authorization, ...headers });
      streams.push(stream);
      expect(stream.status).toBe(200);
      await within(5000, () => Promise.resolve(stream.received.some((block) => block.event === 'ready')));
      return stream;
    };
    /** Logs out on `a` and returns how long the stream took to carry it. */
    const logoutReaches = async (a: TesseraProcess, stream: EventStreamClient) => {
      const before = stream.revocations().length;
      const sid = await logInAndOut(a.baseUrl);
      const took = await within(1000, () =>
        Promise.resolve(
          stream
            .revocations()
            .slice(before)
            .some((event) => event.target === sid),
        ),
      );
      expect(stream.revocations().slice(before)).toEqual([
        { cursor: expect.any(String) as string, kind: 'session', target: sid, at: expect.any(Number) as number },
      ]);
      return took;
    };

    it('without Redis, a logout on A reaches a stream on B within the poll bound', async () => {
      const [a, b] = await Promise.all([start(), start()]);
      const stream = await follow(b);
      for (let i = 0; i < 3; i++) await logoutReaches(a, stream);
    });

    it.runIf(redisUrl !== null)(
      'with Redis, a logout on A reaches a stream on B well before the next poll',
      async () => {
        // A slow poll, so that only the channel can be this quick.
        const env = { REDIS_URL: redisUrl!, TESSERA_REVOCATION_POLL_MS: '1000' };
        const [a, b] = await Promise.all([start(env), start(env)]);
        const ready = (await (await fetch(`${b.baseUrl}/readyz`)).json()) as Record<string, string>;
        expect(ready.redis).toBe('ok');
        const stream = await follow(b);
        // Three in a row under 300 ms: by a 1 s poll alone, about a 1 in 40 chance.
        for (let i = 0; i < 3; i++) expect(await logoutReaches(a, stream)).toBeLessThan(300);
      },
    );

    it('a stream ends when its instance stops; after a restart, Last-Event-ID resumes without a gap', async () => {
      const a = await start();
      let b = await start();
      const first = await follow(b);
      await logoutReaches(a, first);
      const seen = first.received.filter((block) => block.event === 'revocation').at(-1)!.id!;
      const stopping = Date.now();
      await b.stop();
      await first.ended;
      expect(Date.now() - stopping).toBeLessThan(5000);
      const missed = [await logInAndOut(a.baseUrl), await logInAndOut(a.baseUrl)];
      b = await start();
      const resumed = await follow(b, { 'last-event-id': seen });
      await within(1000, () => Promise.resolve(resumed.revocations().length === 2));
      expect(resumed.revocations().map((event) => event.target)).toEqual(missed);
      expect(await logoutReaches(a, resumed)).toBeLessThan(1000);
    });
  },
);
