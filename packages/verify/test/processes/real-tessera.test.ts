// @tessera/verify against a real tessera: tessera and one verifying service
// per adapter (Fastify, Express, Hono), each its own process. What the issue
// promises: a logout, revoke-all, password change or deactivation at tessera
// is refused by every service within a second, with Redis and without, and a
// revocation made while tessera was down is caught up after its restart; a
// steady stream of requests sees no failure across key rotation; a token of
// a revoked key is refused within a second; a feed gone too long fails closed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, PATH, run } from '../../../server/test/cli/sandbox.js';
import { within } from '../../../server/test/support/eventually.js';
import { freePort, startTessera, type TesseraProcess } from '../../../server/test/support/processes.js';
import { TEST_SECRET, claimsOf } from '../../../server/test/support/server.js';
import { createSeededDatabase } from '../../../server/test/support/stores.js';
import { postJson } from '../../../server/test/support/post-json.js';

const postgresUrl = inject('postgresUrl');
const redisUrl = inject('redisUrl');
const SERVICE = fileURLToPath(new URL('./service.mjs', import.meta.url));
const ADAPTERS = ['fastify', 'express', 'hono'] as const;

const refused = (message: string) => ({
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
});

interface Service {
  url: string;
  stop(): Promise<void>;
}

async function startService(adapter: string, env: Record<string, string>): Promise<Service> {
  const child: ChildProcess = spawn(process.execPath, [SERVICE], {
    env: { PATH, ADAPTER: adapter, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`the ${adapter} service exited before listening`);
    }),
  ])) as [string];
  const port = /^listening (\d+)$/.exec(line)?.[1];
  if (port === undefined) throw new Error(`the ${adapter} service said ${line}`);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

const get = async (url: string, token: string) => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    body: (await response.json()) satisfies unknown,
    retryAfter: response.headers.get('retry-after'),
  };
};

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

describe.runIf(postgresUrl !== null && process.env.TESSERA_TEST_DIALECT !== 'postgres').each([
  { mode: 'without Redis', redis: undefined },
  { mode: 'with Redis', redis: redisUrl ?? undefined },
])('@tessera/verify against a real tessera, $mode', ({ mode, redis }) => {
  let databaseUrl: string;
  let port: number;
  let tessera: TesseraProcess;
  let services: Service[] = [];
  let stale: Service;
  let password = 'correct horse';
  const tesseraEnv = (): Record<string, string> => ({
    TESSERA_SIGNING_ALGORITHM: 'EdDSA',
    ...(redis === undefined ? {} : { REDIS_URL: redis }),
  });
  const cli = async (...args: string[]) => {
    const outcome = await run(process.execPath, [BIN, ...args], process.cwd(), {
      PATH,
      DATABASE_URL: databaseUrl,
      TESSERA_SECRET_KEY: TEST_SECRET,
      TESSERA_SIGNING_ALGORITHM: 'EdDSA',
    });
    expect([args, outcome.code, outcome.stderr]).toEqual([args, 0, '']);
    return outcome.stdout;
  };
  const base = () => tessera.baseUrl;
  const login = async () => {
    const response = await postJson(base(), '/api/token/', { username: 'alice', password });
    expect(response.status).toBe(200);
    return response.body as { access: string; refresh: string };
  };
  /** Every service accepts `access` now. */
  const acceptedEverywhere = async (access: string) => {
    const { sid } = claimsOf(access) as { sid: string };
    for (const service of services) {
      expect(await get(`${service.url}/whoami/`, access)).toEqual({
        status: 200,
        body: { username: 'alice', sid },
        retryAfter: null,
      });
    }
  };
  /** Every service refuses `access` within `ms`, with the contract's body. */
  const refusedEverywhere = async (access: string, message: string, ms = 1000) => {
    await Promise.all(
      services.map((service) => within(ms, async () => (await get(`${service.url}/whoami/`, access)).status === 401)),
    );
    for (const service of services) {
      expect((await get(`${service.url}/whoami/`, access)).body).toEqual(refused(message));
    }
  };

  beforeAll(async () => {
    if (mode === 'with Redis' && redis === undefined) throw new Error('Redis is not reachable');
    databaseUrl = await createSeededDatabase(postgresUrl!, 'verify');
    port = await freePort();
    // As an operator would: the secret is the last line.
    const secret = (await cli('services', 'create', 'notes')).trimEnd().split('\n').at(-1)!;
    tessera = await startTessera({ databaseUrl, env: tesseraEnv(), port });
    const env = { TESSERA_URL: tessera.baseUrl, SERVICE_NAME: 'notes', SERVICE_SECRET: secret };
    services = await Promise.all(ADAPTERS.map((adapter) => startService(adapter, env)));
    stale = await startService('fastify', { ...env, STALE_AFTER_SECONDS: '1' });
  });
  afterAll(async () => {
    await Promise.all([...services, stale].filter(Boolean).map((service) => service.stop()));
    await tessera?.stop();
  });

  it('refuses a logged-out session within a second, on every adapter', async () => {
    const { access, refresh } = await login();
    await acceptedEverywhere(access);
    const logout = await postJson(base(), '/api/auth/logout/', { refresh }, { authorization: `Bearer ${access}` });
    expect(logout.status).toBe(205);
    await refusedEverywhere(access, 'Token is blacklisted');
  });

  it('refuses every session after revoke-all within a second', async () => {
    const [first, second] = [await login(), await login()];
    await acceptedEverywhere(first.access);
    const revoked = await postJson(base(), '/api/token/revoke-all/', {}, { authorization: `Bearer ${first.access}` });
    expect(revoked.status).toBe(200);
    await refusedEverywhere(first.access, 'Token is blacklisted');
    await refusedEverywhere(second.access, 'Token is blacklisted');
  });

  it('refuses the other sessions within a second of a password change, as tessera does', async () => {
    const [changing, other] = [await login(), await login()];
    await acceptedEverywhere(other.access);
    const changed = await postJson(
      base(),
      '/api/password/change/',
      { old_password: password, new_password: 'a brand new passphrase 7' },
      { authorization: `Bearer ${changing.access}` },
    );
    expect(changed.status).toBe(200);
    password = 'a brand new passphrase 7';
    await refusedEverywhere(other.access, 'Token is blacklisted');
    // The session that changed it goes on, at tessera and at every service.
    await acceptedEverywhere(changing.access);
  });

  it('refuses a deactivated user’s tokens within a second (deactivated by the CLI, another process)', async () => {
    const { access } = await login();
    await acceptedEverywhere(access);
    await cli('deactivate', 'alice');
    await refusedEverywhere(access, 'Token is blacklisted');
    await cli('activate', 'alice');
  });

  // Once is enough for these two: Redis changes only how fast instances hear each other, tested above.
  const withoutRedisOnly = it.runIf(redis === undefined);

  withoutRedisOnly('catches up after a restart: a revocation made while tessera was down is refused', async () => {
    const { access } = await login();
    await acceptedEverywhere(access);
    await tessera.stop();
    // While tessera is down the services keep verifying with the keys they hold: within the stale bound.
    await acceptedEverywhere(access);
    // The stale bound passed (1 s here): that service now fails closed, with Retry-After.
    await within(5000, async () => (await get(`${stale.url}/whoami/`, access)).status === 503);
    const closed = await get(`${stale.url}/whoami/`, access);
    expect(closed.body).toEqual({
      detail: 'Cannot confirm the token is still valid. Try again shortly.',
      code: 'revocations_unavailable',
    });
    expect(Number(closed.retryAfter)).toBeGreaterThan(0);
    await cli('revoke', 'alice');
    tessera = await startTessera({ databaseUrl, env: tesseraEnv(), port });
    // The feed reconnects (backoff from 1 s) and resumes from its cursor: nothing missed.
    await refusedEverywhere(access, 'Token is blacklisted', 10_000);
    const fresh = await login();
    await within(10_000, async () => (await get(`${stale.url}/whoami/`, fresh.access)).status === 200);
  });

  withoutRedisOnly(
    'sees no failure across keys rotate and keys retire, and refuses a revoked key’s token within a second',
    async () => {
      let pair = await login();
      const before = pair.access;
      const kids = new Set([kidOf(before)]);
      let failures: unknown[] = [];
      let requests = 0;
      let running = true;
      // A steady stream of verified requests, refreshing (so signing anew) as a client would.
      const load = (async () => {
        let sinceRefresh = 0;
        while (running) {
          for (const service of services) {
            const answer = await get(`${service.url}/whoami/`, pair.access);
            requests++;
            if (answer.status !== 200) failures.push(answer);
          }
          if (++sinceRefresh === 10) {
            sinceRefresh = 0;
            const refreshed = await postJson(base(), '/api/token/refresh/', { refresh: pair.refresh });
            if (refreshed.status !== 200) failures.push(refreshed);
            else pair = refreshed.body as { access: string; refresh: string };
            kids.add(kidOf(pair.access));
          }
        }
      })();
      const jwksKids = async () =>
        ((await (await fetch(`${base()}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map(
          (key) => key.kid,
        );
      try {
        await cli('keys', 'rotate', '--now');
        // Until the stream's tokens are signed by the new current key.
        await within(5000, () => Promise.resolve(kids.size === 2));
        const next = (await jwksKids()).filter((kid) => !kids.has(kid));
        expect(next).toHaveLength(1);
        await cli('keys', 'retire', next[0]!);
        await within(3000, async () => !(await jwksKids()).includes(next[0]!));
        const settled = requests;
        await within(5000, () => Promise.resolve(requests > settled + 30));
      } finally {
        running = false;
        await load;
      }
      expect(failures).toEqual([]);
      failures = [];
      // The first key, retired by the rotation, still verifies its tokens until they expire; revoked, it does not.
      await acceptedEverywhere(before);
      await cli('keys', 'revoke', kidOf(before));
      await refusedEverywhere(before, 'Token is invalid');
    },
  );
});
