// DPoP-bound access tokens end to end: a real tessera with TESSERA_DPOP_ACCESS=on
// issues a bound token, and a verifying service per adapter (Fastify, Express,
// Hono), each its own process, accepts it only with a proof by the owner's key.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, PATH, run } from '../../../server/test/cli/sandbox.js';
import { freePort, startTessera, type TesseraProcess } from '../../../server/test/support/processes.js';
import { TEST_SECRET, claimsOf } from '../../../server/test/support/server.js';
import { createSeededDatabase } from '../../../server/test/support/stores.js';
import { athOf, dpopKey, dpopProof, type DpopKey } from '../support/dpop.js';

const postgresUrl = inject('postgresUrl');
const SERVICE = fileURLToPath(new URL('./service.mjs', import.meta.url));
const ADAPTERS = ['fastify', 'express', 'hono'] as const;
const ENV = { TESSERA_SIGNING_ALGORITHM: 'EdDSA', TESSERA_DPOP_ACCESS: 'on' };

async function startService(adapter: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [SERVICE], {
    env: { PATH, ADAPTER: adapter, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const port = /^listening (\d+)$/.exec(line)?.[1];
  if (port === undefined) throw new Error(`the ${adapter} service said ${line}`);
  return {
    adapter,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** A proof by `key` for `method url`, for `access` when given, with `nonce` when given: as a client makes one. */
const proof = (key: DpopKey, method: string, url: string, access?: string, nonce?: string) =>
  dpopProof(key, url, {
    htm: method,
    iat: Math.floor(Date.now() / 1000),
    claims: { ...(access === undefined ? {} : { ath: athOf(access) }), ...(nonce === undefined ? {} : { nonce }) },
  });

/** RFC 7638's members of a P-256 key, in order. */
const thumbprintInput = ({ publicJwk: { crv, kty, x, y } }: DpopKey) => ({ crv, kty, x, y });

const send = async (url: string, headers: Record<string, string>) => {
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe.runIf(postgresUrl !== null && process.env.TESSERA_TEST_DIALECT !== 'postgres')(
  'DPoP-bound access tokens: a real tessera and @tessera/verify',
  () => {
    let tessera: TesseraProcess;
    let services: Awaited<ReturnType<typeof startService>>[] = [];
    const owner = dpopKey();
    let access = '';
    let nonce = '';

    beforeAll(async () => {
      const databaseUrl = await createSeededDatabase(postgresUrl!, 'verifydpop');
      const created = await run(process.execPath, [BIN, 'services', 'create', 'notes'], process.cwd(), {
        PATH,
        DATABASE_URL: databaseUrl,
        TESSERA_SECRET_KEY: TEST_SECRET,
        ...ENV,
      });
      const secret = created.stdout.trimEnd().split('\n').at(-1)!;
      tessera = await startTessera({ databaseUrl, env: ENV, port: await freePort() });
      const env = { TESSERA_URL: tessera.baseUrl, SERVICE_NAME: 'notes', SERVICE_SECRET: secret };
      services = await Promise.all(ADAPTERS.map((adapter) => startService(adapter, env)));
      const login = await fetch(`${tessera.baseUrl}/api/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', dpop: proof(owner, 'POST', `${tessera.baseUrl}/api/token/`) },
        body: JSON.stringify({ username: 'alice', password: 'correct horse' }),
      });
      expect(login.status).toBe(200);
      nonce = login.headers.get('dpop-nonce')!;
      access = ((await login.json()) as { access: string }).access;
    });
    afterAll(async () => {
      await Promise.all(services.map((service) => service.stop()));
      await tessera?.stop();
    });

    it('the token is bound, and tessera serves it with a proof', async () => {
      const { jkt } = claimsOf(access).cnf as { jkt: string };
      expect(jkt).toBe(
        createHash('sha256')
          .update(JSON.stringify(thumbprintInput(owner)))
          .digest('base64url'),
      );
      const profile = `${tessera.baseUrl}/api/profile/`;
      const served = await send(profile, {
        authorization: `DPoP ${access}`,
        dpop: proof(owner, 'GET', profile, access, nonce),
      });
      expect([served.status, served.body.username]).toEqual([200, 'alice']);
    });

    it.each(ADAPTERS)(
      "%s: the owner is served; the token as Bearer, or with the thief's proof, is refused",
      async (adapter) => {
        const service = services.find((candidate) => candidate.adapter === adapter)!;
        const url = `${service.url}/whoami/`;
        const served = await send(url, { authorization: `DPoP ${access}`, dpop: proof(owner, 'GET', url, access) });
        expect(served).toEqual({ status: 200, body: { username: 'alice', sid: claimsOf(access).sid } });
        expect(await send(url, { authorization: `Bearer ${access}` })).toEqual({
          status: 401,
          body: {
            detail: 'This access token is bound to a key: send it as Authorization: DPoP, with a proof.',
            code: 'invalid_dpop_proof',
          },
        });
        expect(
          await send(url, { authorization: `DPoP ${access}`, dpop: proof(dpopKey(), 'GET', url, access) }),
        ).toEqual({
          status: 401,
          body: {
            detail: 'The DPoP proof is signed by another key than the access token is bound to.',
            code: 'invalid_dpop_proof',
          },
        });
      },
    );
  },
);
