import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, requirePermission, requireStaff, tessera } from '../../src/index.js';
import { createManualClock } from '../support/clock.js';
import { fastHasher } from '../support/hasher.js';
import { TEST_SECRET, bearer } from '../support/server.js';
import { createTestStore, httpDialect, type TestStore } from '../support/stores.js';
import { seedUser } from '../support/users.js';

const notValid = (message: string) => ({
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
});

/** A team's own app: its routes, its error handler, tessera mounted at /auth. */
async function hostApp(testStore: TestStore): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler((error, _request, reply) => reply.code(500).send({ host: 'error', message: String(error) }));
  await app.register(tessera, {
    prefix: '/auth',
    env: {
      TESSERA_SECRET_KEY: TEST_SECRET,
      TESSERA_RATE_LIMITS: 'off',
      TESSERA_EXTRA_CLAIMS: 'role,permissions,is_staff',
    },
    store: testStore.store,
    clock: createManualClock(Date.now()),
    hasher: fastHasher,
  });
  app.get('/notes', { preHandler: app.authenticate }, (request) => ({
    owner: request.user?.username,
    role: request.user?.role,
  }));
  app.get('/drafts', { preHandler: requirePermission('notes.view') }, (request) => ({ for: request.user?.username }));
  app.get('/staff', { preHandler: requireStaff() }, () => ({ staff: true }));
  app.post('/echo', (request) => ({ got: request.body }));
  return app;
}

describe('tessera mounted in a Fastify app', () => {
  let testStore: TestStore;
  let app: FastifyInstance;

  beforeEach(async () => {
    testStore = await createTestStore(httpDialect());
    await seedUser(
      testStore.store,
      'alice',
      'correct horse',
      { role: 'editor', permissions: ['notes.view'] },
      fastHasher,
    );
    await seedUser(testStore.store, 'bob', 'battery staple', {}, fastHasher);
    app = await hostApp(testStore);
  });
  afterEach(async () => {
    await app.close();
    await testStore.cleanup();
  });

  const login = async (username = 'alice', password = 'correct horse') => {
    const response = await app.inject({
      method: 'POST',
      url: '/auth/api/token/',
      payload: { username, password },
    });
    expect(response.statusCode).toBe(200);
    return response.json<{ access: string; refresh: string }>();
  };

  it("serves tessera's API under the prefix and protects the host's routes with it", async () => {
    const { access } = await login();
    const notes = await app.inject({ url: '/notes', headers: bearer(access) });
    expect(notes.statusCode).toBe(200);
    expect(notes.json()).toEqual({ owner: 'alice', role: 'editor' });
    const profile = await app.inject({ url: '/auth/api/profile/', headers: bearer(access) });
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toMatchObject({ username: 'alice' });
  });

  it("refuses a logged-out session's access token on the host's routes at once", async () => {
    const { access, refresh } = await login();
    const logout = await app.inject({
      method: 'POST',
      url: '/auth/api/token/blacklist/',
      payload: { refresh },
    });
    expect(logout.statusCode).toBe(200);
    const notes = await app.inject({ url: '/notes', headers: bearer(access) });
    expect(notes.statusCode).toBe(401);
    expect(notes.json()).toEqual(notValid('Token is blacklisted'));
    expect(notes.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it("answers the contract's 401s on the host's routes, whatever the host's error handler says", async () => {
    const missing = await app.inject({ url: '/notes' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    const malformed = await app.inject({ url: '/notes', headers: { authorization: 'Bearer a b' } });
    expect(malformed.statusCode).toBe(401);
    expect(malformed.json()).toEqual({
      detail: 'Authorization header must contain two space-delimited values',
      code: 'bad_authorization_header',
    });
    const forged = await app.inject({ url: '/notes', headers: bearer('a.b.c') });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toEqual(notValid('Token is invalid'));
  });

  it("guards the host's routes with @tessera/verify's guards, reading the token's claims", async () => {
    const alice = await login();
    const bob = await login('bob', 'battery staple');
    const allowed = await app.inject({ url: '/drafts', headers: bearer(alice.access) });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json()).toEqual({ for: 'alice' });
    const denied = await app.inject({ url: '/drafts', headers: bearer(bob.access) });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual({
      detail: 'You do not have permission to perform this action.',
      code: 'permission_denied',
    });
    const notStaff = await app.inject({ url: '/staff', headers: bearer(alice.access) });
    expect(notStaff.statusCode).toBe(403);
    const anonymous = await app.inject({ url: '/drafts' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
  });

  it("keeps tessera's parsers, errors and 404 to its own paths", async () => {
    const hostNotFound = await app.inject({ url: '/nowhere' });
    expect(hostNotFound.statusCode).toBe(404);
    expect(hostNotFound.json()).toMatchObject({ error: 'Not Found', statusCode: 404 });
    const tesseraNotFound = await app.inject({ url: '/auth/nowhere' });
    expect(tesseraNotFound.statusCode).toBe(404);
    expect(tesseraNotFound.json()).toEqual({ detail: 'Not found.', code: 'not_found' });
    // tessera refuses duplicate JSON members; the host's own parser is Fastify's.
    const echo = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":1}',
    });
    expect(echo.statusCode).toBe(200);
    expect(echo.json()).toEqual({ got: { a: 1 } });
    expect(echo.headers['x-content-type-options']).toBeUndefined();
    const health = await app.inject({ url: '/auth/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const hostHealth = await app.inject({ url: '/healthz' });
    expect(hostHealth.statusCode).toBe(404);
  });
});

describe('tessera mounted from its environment variables', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'tessera-mounted-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('opens, migrates and closes the database DATABASE_URL names', async () => {
    const app = Fastify({ logger: false });
    await app.register(tessera, {
      prefix: '/auth',
      env: { DATABASE_URL: `sqlite:${join(directory, 'auth.sqlite')}`, TESSERA_SECRET_KEY: TEST_SECRET },
    });
    const response = await app.inject({
      method: 'POST',
      url: '/auth/api/token/',
      payload: { username: 'nobody', password: 'x' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'No active account found with the given credentials' });
    await app.close();
  });

  it('refuses settings exactly as `tessera serve` does', async () => {
    const app = Fastify({ logger: false });
    const registered = app.register(tessera, { env: { TESSERA_SECRET_KEY: 'short', PORT: 'eighty' } });
    const error: unknown = await registered.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT="eighty" must be a whole number from 0 to 65535.',
      'TESSERA_SECRET_KEY must be at least 32 characters (it has 5); use a long random value.',
    ]);
    await app.close();
  });
});
