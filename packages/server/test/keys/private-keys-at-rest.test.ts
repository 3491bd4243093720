/**
 * Private signing keys never appear in clear: not in the SQLite file's bytes,
 * not in PostgreSQL's rows, not in the logs (at trace level), not in any
 * answer of the API. Each key is looked for as its PEM body, its DER bytes
 * and its JWK `d`.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { openPrivateKey, sealPrivateKey, KeySealError } from '../../src/keys/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { createManualClock } from '../support/clock.js';
import { fastHasher } from '../support/hasher.js';
import { TEST_SECRET, bearer } from '../support/server.js';
import { availableDialects, createTestStore } from '../support/stores.js';
import { seedUser } from '../support/users.js';

const PASSWORD = 'correct horse battery';

/** The forms of a private key someone could recognise. */
function secretForms(pem: string): { name: string; bytes: Buffer }[] {
  const key = createPrivateKey(pem);
  const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const d = key.export({ format: 'jwk' }).d!;
  return [
    { name: 'the PEM body', bytes: Buffer.from(body) },
    { name: "the PEM body's first line", bytes: Buffer.from(body.slice(0, 64)) },
    { name: 'the DER bytes', bytes: key.export({ format: 'der', type: 'pkcs8' }) },
    { name: 'the JWK d', bytes: Buffer.from(d) },
    { name: "the JWK d's bytes", bytes: Buffer.from(d, 'base64url') },
  ];
}

/** Serves and answers everything a client could ask, on `store`; returns the logs and every answer's text. */
async function exercise(store: Store, algorithm: string): Promise<{ logs: string; answers: string }> {
  let logs = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  const clock = createManualClock(Date.now());
  const config = resolveConfig({
    TESSERA_SECRET_KEY: TEST_SECRET,
    TESSERA_SIGNING_ALGORITHM: algorithm,
    TESSERA_RATE_LIMITS: 'off',
  });
  await seedUser(store, 'alice', PASSWORD, { dateJoined: clock.now() }, fastHasher);
  const app: FastifyInstance = await buildApp({
    config,
    secretKey: TEST_SECRET,
    store,
    clock,
    hasher: fastHasher,
    logger: { level: 'trace', stream },
  });
  const answers: string[] = [];
  const ask = async (options: InjectOptions) => {
    const response = await app.inject(options);
    answers.push(JSON.stringify(response.headers), response.body);
    return response;
  };
  const pair = (
    await ask({ method: 'POST', url: '/api/token/', payload: { username: 'alice', password: PASSWORD } })
  ).json<{
    access: string;
    refresh: string;
  }>();
  await ask({ method: 'POST', url: '/api/token/refresh/', payload: { refresh: pair.refresh } });
  await ask({ method: 'POST', url: '/api/token/verify/', payload: { token: pair.access } });
  await ask({ method: 'GET', url: '/api/profile/', headers: bearer(pair.access) });
  await ask({ method: 'GET', url: '/.well-known/jwks.json' });
  await ask({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
  await ask({ method: 'GET', url: '/api/schema/' });
  await ask({ method: 'GET', url: '/' });
  clock.advance(300);
  await app.signingKeys.check();
  await app.signingKeys.reload();
  await ask({ method: 'GET', url: '/.well-known/jwks.json' });
  await app.close();
  return { logs, answers: answers.join('\n') };
}

/** The private keys the store holds, opened. */
async function privateKeysOf(store: Store): Promise<string[]> {
  const rows = await store.listSigningKeys();
  const sealed = rows.filter((row) => row.privateKey !== null);
  expect(sealed.length).toBeGreaterThanOrEqual(2);
  for (const row of sealed) expect(row.privateKey).toMatch(/^v1\.[\w-]+$/);
  return sealed.map((row) => openPrivateKey(TEST_SECRET, row.kid, row.privateKey!));
}

const expectAbsent = (haystack: Buffer, pems: string[], where: string) => {
  for (const pem of pems) {
    for (const form of secretForms(pem)) expect(haystack.includes(form.bytes), `${form.name} in ${where}`).toBe(false);
  }
};

describe.each(['EdDSA', 'ES256', 'RS256'])('private %s keys', (algorithm) => {
  it('are not in the SQLite file, the logs or any answer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-keys-'));
    try {
      const path = join(dir, 'db.sqlite');
      const store = await openSqliteStore({ path });
      const { logs, answers } = await exercise(store, algorithm);
      const reopened = await openSqliteStore({ path });
      const pems = await privateKeysOf(reopened);
      const [sealed] = (await reopened.listSigningKeys()).filter((row) => row.privateKey !== null);
      await reopened.close();
      const files = [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file));
      const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
      // Control: the search reads where the keys are.
      expect(bytes.includes(Buffer.from(sealed!.privateKey!))).toBe(true);
      expectAbsent(bytes, pems, 'the database files');
      expectAbsent(Buffer.from(logs), pems, 'the logs');
      expectAbsent(Buffer.from(answers), pems, 'the answers');
      expect(logs).toContain('"msg"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(availableDialects().includes('postgres'))(
    'are not in the PostgreSQL rows, the logs or any answer',
    async () => {
      const { store, openAnother, cleanup } = await createTestStore('postgres');
      try {
        const { logs, answers } = await exercise(store, algorithm);
        const reader = await openAnother();
        const pems = await privateKeysOf(reader);
        const rows = JSON.stringify(await reader.listSigningKeys());
        expectAbsent(Buffer.from(rows), pems, 'the rows');
        expectAbsent(Buffer.from(logs), pems, 'the logs');
        expectAbsent(Buffer.from(answers), pems, 'the answers');
      } finally {
        await cleanup();
      }
    },
  );
});

describe('sealed private keys', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n';

  it('open under the secret and kid they were sealed with, and differ at every sealing', () => {
    const sealed = sealPrivateKey(TEST_SECRET, 'kid-1', pem);
    expect(openPrivateKey(TEST_SECRET, 'kid-1', sealed)).toBe(pem);
    expect(sealPrivateKey(TEST_SECRET, 'kid-1', pem)).not.toBe(sealed);
  });

  it.each([
    ['another secret key', `${TEST_SECRET}-other`, 'kid-1', (sealed: string) => sealed],
    ['another kid (a sealed key moved to another row)', TEST_SECRET, 'kid-2', (sealed: string) => sealed],
    [
      'a changed byte',
      TEST_SECRET,
      'kid-1',
      (sealed: string) => `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'BB' : 'AA'}`,
    ],
    ['another version', TEST_SECRET, 'kid-1', (sealed: string) => `v2.${sealed.slice(3)}`],
    ['a truncated value', TEST_SECRET, 'kid-1', () => 'v1.AAAA'],
  ])('refuse to open with %s, with KeySealError', (_name, secret, kid, change) => {
    const sealed = change(sealPrivateKey(TEST_SECRET, 'kid-1', pem));
    expect(() => openPrivateKey(secret, kid, sealed)).toThrow(KeySealError);
  });
});
