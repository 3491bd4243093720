import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, PATH, run } from '../../../packages/server/test/cli/sandbox.js';
import { within } from '../../../packages/server/test/support/eventually.js';
import { startTessera, type TesseraProcess } from '../../../packages/server/test/support/processes.js';
import { TEST_SECRET } from '../../../packages/server/test/support/server.js';
import { createSeededDatabase } from '../../../packages/server/test/support/stores.js';
import { buildVerified } from '../src/verified.js';

const postgresUrl = inject('postgresUrl');

describe.runIf(postgresUrl !== null && process.env.TESSERA_TEST_DIALECT !== 'postgres')(
  'the notes service behind a real tessera, through @tessera/verify',
  () => {
    let tessera: TesseraProcess;
    let notes: FastifyInstance;

    beforeAll(async () => {
      const databaseUrl = await createSeededDatabase(postgresUrl!, 'notes');
      const env = { PATH, DATABASE_URL: databaseUrl, TESSERA_SECRET_KEY: TEST_SECRET };
      const created = await run(process.execPath, [BIN, 'services', 'create', 'notes'], process.cwd(), env);
      expect([created.code, created.stderr]).toEqual([0, '']);
      const secret = created.stdout.trimEnd().split('\n').at(-1)!;
      const staff = await run(
        process.execPath,
        [BIN, 'createuser', '--username', 'sam', '--password', 'sam-the-staff-member', '--staff'],
        process.cwd(),
        env,
      );
      expect(staff.code).toBe(0);
      tessera = await startTessera({
        databaseUrl,
        env: { TESSERA_SIGNING_ALGORITHM: 'EdDSA', TESSERA_EXTRA_CLAIMS: 'is_staff' },
      });
      notes = await buildVerified({ url: tessera.baseUrl, service: { name: 'notes', secret } }, false);
    });
    afterAll(async () => {
      await notes?.close();
      await tessera?.stop();
    });

    const login = async (username: string, password: string) => {
      const response = await fetch(`${tessera.baseUrl}/api/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { access: string; refresh: string };
    };
    const as = (access: string) => ({ authorization: `Bearer ${access}` });

    it('keeps each user to their notes, shows staff all, and refuses a logout within a second', async () => {
      const alice = await login('alice', 'correct horse');
      const sam = await login('sam', 'sam-the-staff-member');
      const created = await notes.inject({
        method: 'POST',
        url: '/notes/',
        headers: as(alice.access),
        payload: { text: 'buy milk' },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({ id: 1, owner: '1', text: 'buy milk' });
      expect((await notes.inject({ url: '/notes/', headers: as(sam.access) })).json()).toEqual([
        { id: 1, owner: '1', text: 'buy milk' },
      ]);

      const logout = await fetch(`${tessera.baseUrl}/api/token/blacklist/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh: alice.refresh }),
      });
      expect(logout.status).toBe(200);
      await within(
        1000,
        async () => (await notes.inject({ url: '/notes/', headers: as(alice.access) })).statusCode === 401,
      );
      expect((await notes.inject({ url: '/notes/', headers: as(alice.access) })).json()).toEqual({
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is blacklisted' }],
      });
    });
  },
);
