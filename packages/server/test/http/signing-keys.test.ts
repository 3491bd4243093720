/**
 * Signing keys over HTTP, in-process: the JWKS and the metadata document,
 * rotation, a retired key's window, a revoked key refused at once, and the
 * switch HS256 → EdDSA → HS256 in which nobody is logged out. Instances are
 * apps on one store; time moves on a manual clock.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { revokeSigningKey, rotateSigningKeys } from '../../src/keys/rotation.js';
import type { Store } from '../../src/store/types.js';
import { createManualClock, type ManualClock } from '../support/clock.js';
import { fastHasher } from '../support/hasher.js';
import { TEST_SECRET, bearer, claimsOf, headerOf } from '../support/server.js';
import { createTestStore, httpDialect } from '../support/stores.js';
import { seedUser } from '../support/users.js';
import { within } from '../support/eventually.js';

const PASSWORD = 'correct horse battery';
const INVALID_ACCESS = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid' }],
};

let store: Store;
let cleanup: () => Promise<void>;
let clock: ManualClock;
const apps: FastifyInstance[] = [];

beforeEach(async () => {
  ({ store, cleanup } = await createTestStore(httpDialect()));
  clock = createManualClock(Date.now());
  await seedUser(store, 'alice', PASSWORD, { dateJoined: clock.now() }, fastHasher);
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await cleanup();
});

/** An instance on the shared store, started (its keys made and loaded). */
async function instance(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = resolveConfig({
    TESSERA_SECRET_KEY: TEST_SECRET,
    DATABASE_URL: 'sqlite::memory:',
    TESSERA_RATE_LIMITS: 'off',
    // Access tokens outlive the five minutes a next key waits, so that they can be presented after a promotion.
    TESSERA_ACCESS_TOKEN_LIFETIME: '3600',
    ...env,
  });
  const app = await buildApp({ config, secretKey: TEST_SECRET, store, clock, hasher: fastHasher, logger: false });
  apps.push(app);
  await app.ready();
  return app;
}

const login = async (app: FastifyInstance) => {
  const response = await app.inject({
    method: 'POST',
    url: '/api/token/',
    payload: { username: 'alice', password: PASSWORD },
  });
  expect(response.statusCode).toBe(200);
  return response.json<{ access: string; refresh: string }>();
};
const refresh = async (app: FastifyInstance, token: string) => {
  const response = await app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh: token } });
  expect([response.statusCode, response.json()]).toEqual([
    200,
    expect.objectContaining({ access: expect.any(String) as unknown }),
  ]);
  return response.json<{ access: string; refresh: string }>();
};
const profileStatus = async (app: FastifyInstance, access: string) =>
  (await app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(access) })).statusCode;
const jwks = async (app: FastifyInstance) => {
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['cache-control']).toBe('public, max-age=300');
  return response.json<{ keys: Array<Record<string, string>> }>().keys;
};
const keyIds = async (app: FastifyInstance) => (await jwks(app)).map((key) => key.kid).sort();
const stateOf = async () => Object.fromEntries((await store.listSigningKeys()).map((key) => [key.kid, key.state]));
const kidsIn = async (state: string) =>
  (await store.listSigningKeys()).filter((key) => key.state === state).map((key) => key.kid);

/** Any base64url text of `length` characters. */
const base64url = (length: number): unknown => expect.stringMatching(new RegExp(`^[\\w-]{${length}}$`));

describe('GET /.well-known/jwks.json and the metadata document', () => {
  it('with HS256 (the default) publish no key, and every token names the HS256 key it was signed with', async () => {
    const app = await instance();
    expect(await jwks(app)).toEqual([]);
    const { access, refresh: refreshToken } = await login(app);
    const [current] = await kidsIn('current');
    expect(headerOf(access)).toEqual({ alg: 'HS256', typ: 'JWT', kid: current });
    expect(headerOf(refreshToken)).toEqual({ alg: 'HS256', typ: 'JWT', kid: current });
    const metadata = await app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    expect(metadata.statusCode).toBe(200);
    expect(metadata.headers['cache-control']).toBe('no-store');
    expect(metadata.json()).toEqual({
      issuer: 'http://localhost:80',
      jwks_uri: 'http://localhost:80/.well-known/jwks.json',
      token_endpoint: 'http://localhost:80/api/token/',
      token_refresh_endpoint: 'http://localhost:80/api/token/refresh/',
      token_verify_endpoint: 'http://localhost:80/api/token/verify/',
      revocation_feed_endpoint: 'http://localhost:80/api/token/revocations/',
      token_signing_alg_values_supported: ['HS256'],
    });
  });

  it.each([
    ['EdDSA', { kty: 'OKP', crv: 'Ed25519', x: base64url(43) }],
    ['ES256', { kty: 'EC', crv: 'P-256', x: base64url(43), y: base64url(43) }],
    ['RS256', { kty: 'RSA', n: base64url(342), e: 'AQAB' }],
  ])(
    'with %s publish the current and the next key, public members only, and sign with the current',
    async (alg, members) => {
      const app = await instance({ TESSERA_SIGNING_ALGORITHM: alg });
      const keys = await jwks(app);
      const [current] = await kidsIn('current');
      const [next] = await kidsIn('next');
      expect(keys.map((key) => key.kid).sort()).toEqual([current, next].sort());
      for (const key of keys) expect(key).toEqual({ ...members, kid: key.kid, alg, use: 'sig' });
      const { access } = await login(app);
      expect(headerOf(access)).toEqual({ alg, typ: 'JWT', kid: current });
      expect(await profileStatus(app, access)).toBe(200);
      const verify = await app.inject({ method: 'POST', url: '/api/token/verify/', payload: { token: access } });
      expect([verify.statusCode, verify.json()]).toEqual([200, {}]);
    },
  );

  it('builds the metadata URLs from TESSERA_ISSUER and the path prefix, cacheable like the JWKS', async () => {
    const app = await instance({ TESSERA_ISSUER: 'https://auth.example.com', TESSERA_PATH_PREFIX: '/auth' });
    const response = await app.inject({ method: 'GET', url: '/auth/.well-known/oauth-authorization-server' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.json()).toMatchObject({
      issuer: 'https://auth.example.com',
      jwks_uri: 'https://auth.example.com/auth/.well-known/jwks.json',
      token_endpoint: 'https://auth.example.com/auth/api/token/',
    });
    expect((await app.inject({ method: 'GET', url: '/auth/.well-known/jwks.json' })).statusCode).toBe(200);
  });

  it('answers a Host that is not a host name with 400, never a 5xx', async () => {
    const app = await instance();
    const response = await app.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server',
      headers: { host: 'evil.example/path?x=' },
    });
    expect([response.statusCode, response.json()]).toEqual([
      400,
      { detail: 'The Host header is not a host name.', code: 'parse_error' },
    ]);
  });
});

describe('rotation', () => {
  it('tokens from before a rotation verify and refresh after it; the new key signs', async () => {
    const app = await instance({ TESSERA_SIGNING_ALGORITHM: 'EdDSA' });
    const before = await login(app);
    const [oldKid] = await kidsIn('current');
    clock.advance(300);
    expect(
      (await rotateSigningKeys(store, { secretKey: TEST_SECRET, algorithm: 'EdDSA', now: clock.now() })).kind,
    ).toBe('rotated');
    await app.signingKeys.reload();
    const [newKid] = await kidsIn('current');
    expect(await keyIds(app)).toEqual([...(await kidsIn('retired')), newKid, ...(await kidsIn('next'))].sort());
    expect(await profileStatus(app, before.access)).toBe(200);
    const after = await refresh(app, before.refresh);
    expect(headerOf(after.access).kid).toBe(newKid);
    expect(headerOf(before.access).kid).toBe(oldKid);
    expect(await profileStatus(app, after.access)).toBe(200);
  });

  it('a retired key is neither accepted nor published once its window (longest token life + leeway) has passed', async () => {
    const app = await instance({ TESSERA_SIGNING_ALGORITHM: 'ES256', TESSERA_REFRESH_TOKEN_LIFETIME: '3600' });
    const { access } = await login(app);
    // A token of the old key that outlives the window: only the window can refuse it.
    const oldSigner = app.signingKeys.keys().signer;
    const longLived = oldSigner.sign({ ...claimsOf(access), exp: (claimsOf(access).iat as number) + 86_400 });
    clock.advance(300);
    await rotateSigningKeys(store, { secretKey: TEST_SECRET, algorithm: 'ES256', now: clock.now() });
    await app.signingKeys.reload();
    expect(await profileStatus(app, longLived)).toBe(200);
    expect(await keyIds(app)).toContain(oldSigner.kid);
    clock.advance(3599);
    expect(await profileStatus(app, longLived)).toBe(200);
    clock.advance(1);
    const refused = await app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(longLived) });
    expect([refused.statusCode, refused.json()]).toEqual([401, INVALID_ACCESS]);
    expect(await keyIds(app)).not.toContain(oldSigner.kid);
  });

  it('with TESSERA_KEY_ROTATION_DAYS, the minute check rotates once the current key is that old', async () => {
    const app = await instance({ TESSERA_SIGNING_ALGORITHM: 'EdDSA', TESSERA_KEY_ROTATION_DAYS: '1' });
    const [first] = await kidsIn('current');
    clock.advance(86_399);
    await app.signingKeys.check();
    expect(await kidsIn('current')).toEqual([first]);
    clock.advance(1);
    await app.signingKeys.check();
    expect(await kidsIn('retired')).toEqual([first]);
    expect(headerOf((await login(app)).access).kid).toEqual((await kidsIn('current'))[0]);
  });

  it('of two instances checking at once after an algorithm switch, one promotes; both sign with the new key', async () => {
    const first = await instance();
    const second = await instance({ TESSERA_SIGNING_ALGORITHM: 'RS256' });
    await first.signingKeys.reload();
    clock.advance(299);
    await Promise.all([first.signingKeys.check(), second.signingKeys.check()]);
    expect((await login(first)).access).toSatisfy((token: string) => headerOf(token).alg === 'HS256');
    clock.advance(1);
    await Promise.all([second.signingKeys.check(), second.signingKeys.check(), first.signingKeys.check()]);
    await first.signingKeys.reload();
    expect(Object.values(await stateOf()).sort()).toEqual(['current', 'next', 'retired']);
    for (const app of [first, second]) expect(headerOf((await login(app)).access).alg).toBe('RS256');
  });
});

describe('revocation of a key', () => {
  it("refuses the key's access tokens at once, even remembered ones, and promotes the next key", async () => {
    const app = await instance({ TESSERA_SIGNING_ALGORITHM: 'EdDSA' });
    const { access, refresh: refreshToken } = await login(app);
    expect(await profileStatus(app, access)).toBe(200);
    const [kid] = await kidsIn('current');
    expect(
      (await revokeSigningKey(store, kid!, { secretKey: TEST_SECRET, algorithm: 'EdDSA', now: clock.now() })).kind,
    ).toBe('revoked');
    await app.signingKeys.reload();
    const refused = await app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(access) });
    expect([refused.statusCode, refused.json()]).toEqual([401, INVALID_ACCESS]);
    const refreshed = await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      payload: { refresh: refreshToken },
    });
    expect([refreshed.statusCode, refreshed.json()]).toEqual([
      401,
      { detail: 'Token is invalid', code: 'token_not_valid' },
    ]);
    expect(await keyIds(app)).not.toContain(kid);
    expect(headerOf((await login(app)).access).kid).not.toBe(kid);
  });

  it('reaches another instance through the revocation log within a second', async () => {
    const app = await instance({ TESSERA_SIGNING_ALGORITHM: 'EdDSA' });
    const { access } = await login(app);
    const [kid] = await kidsIn('current');
    await revokeSigningKey(store, kid!, { secretKey: TEST_SECRET, algorithm: 'EdDSA', now: clock.now() });
    expect(await within(1000, async () => (await profileStatus(app, access)) === 401)).toBeLessThan(1000);
  });
});

describe('switching algorithm, and back, logs nobody out', () => {
  it('HS256 → EdDSA → HS256: a pair from each phase still refreshes, and the JWKS says what it should at each step', async () => {
    // Phase 1: HS256.
    const hs = await instance();
    const phase1 = await login(hs);
    const [hsKid] = await kidsIn('current');
    expect(await jwks(hs)).toEqual([]);

    // Restarted with EdDSA: the EdDSA key is published as next, HS256 still signs.
    await hs.close();
    const ed = await instance({ TESSERA_SIGNING_ALGORITHM: 'EdDSA' });
    const [edKid] = await kidsIn('next');
    expect(await keyIds(ed)).toEqual([edKid]);
    const phase2 = await login(ed);
    expect(headerOf(phase2.access)).toMatchObject({ alg: 'HS256', kid: hsKid });

    // Five minutes later the minute check promotes it.
    clock.advance(299);
    await ed.signingKeys.check();
    expect(await kidsIn('current')).toEqual([hsKid]);
    clock.advance(1);
    await ed.signingKeys.check();
    expect(await kidsIn('current')).toEqual([edKid]);
    expect(await keyIds(ed)).toEqual([edKid, ...(await kidsIn('next'))].sort());
    const phase3 = await login(ed);
    expect(headerOf(phase3.access)).toMatchObject({ alg: 'EdDSA', kid: edKid });
    const phase1b = await refresh(ed, phase1.refresh);
    const phase2b = await refresh(ed, phase2.refresh);
    expect(headerOf(phase1b.access).alg).toBe('EdDSA');
    expect(await profileStatus(ed, phase2.access)).toBe(200);

    // Back to HS256: an HS256 next key (published as nothing), promoted five minutes later.
    await ed.close();
    const back = await instance();
    expect(await keyIds(back)).toEqual([edKid]);
    clock.advance(300);
    await back.signingKeys.check();
    const [hsKid2] = await kidsIn('current');
    expect(hsKid2).not.toBe(hsKid);
    expect(await keyIds(back)).toEqual([edKid]);
    const phase4 = await login(back);
    expect(headerOf(phase4.access)).toMatchObject({ alg: 'HS256', kid: hsKid2 });
    for (const pair of [phase1b, phase2b, phase3, phase4]) {
      expect(await profileStatus(back, pair.access)).toBe(200);
      expect(headerOf((await refresh(back, pair.refresh)).access).kid).toBe(hsKid2);
    }
    const metadata = await back.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    expect(
      metadata.json<{ token_signing_alg_values_supported: string[] }>().token_signing_alg_values_supported.sort(),
    ).toEqual(['EdDSA', 'HS256']);
  });

  it('an upgrade from a version without keys records the HS256 key, so tokens without a kid keep verifying', async () => {
    const hs = await instance();
    const pair = await login(hs);
    await hs.close();
    // As if the store predated keys: sessions exist, no keys.
    const rows = await store.listSigningKeys();
    const transitions = rows.map((row) => ({ kid: row.kid, from: row.state, to: 'deleted' as const }));
    await store.changeSigningKeys({ transitions, now: clock.now(), log: { kind: 'keys', target: 'test' } });
    const app = await instance({ TESSERA_SIGNING_ALGORITHM: 'EdDSA' });
    expect((await store.listSigningKeys()).map((key) => [key.algorithm, key.state])).toEqual(
      expect.arrayContaining([
        ['HS256', 'current'],
        ['EdDSA', 'next'],
      ]),
    );
    const [header, payload] = pair.access.split('.');
    const { createHmac } = await import('node:crypto');
    const bare = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${payload}`;
    const withoutKid = `${bare}.${createHmac('sha256', TEST_SECRET).update(bare).digest('base64url')}`;
    expect(header).not.toBe(withoutKid.split('.')[0]);
    expect(await profileStatus(app, withoutKid)).toBe(200);
  });
});

describe('start-up', () => {
  it('under another TESSERA_SECRET_KEY, fails to start with an error that names the problem', async () => {
    await instance({ TESSERA_SIGNING_ALGORITHM: 'EdDSA' });
    const config = resolveConfig({ TESSERA_SECRET_KEY: `${TEST_SECRET}-other`, TESSERA_SIGNING_ALGORITHM: 'EdDSA' });
    const app = await buildApp({
      config,
      secretKey: `${TEST_SECRET}-other`,
      store,
      clock,
      hasher: fastHasher,
      logger: false,
    });
    apps.push(app);
    await expect(app.ready()).rejects.toThrow(
      /^the private half of signing key [\w-]{43} cannot be decrypted: the keys were made under another TESSERA_SECRET_KEY/,
    );
  });
});
