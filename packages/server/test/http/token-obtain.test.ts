import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimsOf, createTestServer, type TestServer } from '../support/server.js';

const WWW = 'Bearer realm="api"';
const BAD_CREDENTIALS = { detail: 'No active account found with the given credentials' };

describe('POST /api/token/ (login)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse', { firstName: 'Alice' });
  });
  afterEach(() => server.close());

  it('returns 200 with refresh then access, in that key order', async () => {
    const response = await server.post('/api/token/', { username: 'alice', password: 'correct horse' });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json())).toEqual(['refresh', 'access']);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('mints tokens with the contract claims in SimpleJWT order, sharing one session', async () => {
    const { access, refresh } = await server.login('alice', 'correct horse');
    const a = claimsOf(access);
    const r = claimsOf(refresh);
    const now = Math.floor(server.clock.now() / 1000);
    expect(Object.keys(a)).toEqual(['token_type', 'exp', 'iat', 'jti', 'user_id', 'username', 'sid']);
    expect(a).toMatchObject({ token_type: 'access', iat: now, exp: now + 300, user_id: '1', username: 'alice' });
    expect(r).toMatchObject({ token_type: 'refresh', iat: now, exp: now + 86_400, user_id: '1', sid: a.sid });
    expect(a.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(r.jti).not.toBe(a.jti);
    // SimpleJWT's header, and the kid of the HS256 key that signed it.
    const [key] = (await server.store.listSigningKeys()).filter((row) => row.state === 'current');
    expect(JSON.parse(Buffer.from(access.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
      kid: key!.kid,
    });
  });

  it('adds the configured extra claims, and iss and aud', async () => {
    const custom = await createTestServer({
      TESSERA_EXTRA_CLAIMS: 'role,permissions,is_staff,is_superuser',
      TESSERA_ISSUER: 'cosmo-app',
      TESSERA_AUDIENCE: 'cosmo-clients',
    });
    try {
      await custom.createUser('root', 'pw-for-root', { role: 'admin', permissions: ['a.b'], isStaff: true });
      const { access } = await custom.login('root', 'pw-for-root');
      expect(claimsOf(access)).toMatchObject({
        role: 'admin',
        permissions: ['a.b'],
        is_staff: true,
        is_superuser: false,
        iss: 'cosmo-app',
        aud: 'cosmo-clients',
      });
    } finally {
      await custom.close();
    }
  });

  it.each(['/api/token/', '/api/token', '/api/auth/login/', '/api/auth/login', '/api-token-auth/', '/api-token-auth'])(
    'is served at %s',
    async (url) => {
      const response = await server.post(url, { username: 'alice', password: 'correct horse' });
      expect(response.statusCode).toBe(200);
    },
  );

  it('accepts a form-encoded body and trims the fields', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=%20alice%20&password=correct+horse',
    });
    expect(response.statusCode).toBe(200);
  });

  it('records last_login', async () => {
    await server.login('alice', 'correct horse');
    expect((await server.store.findUserByUsername('alice'))?.lastLogin).toBe(server.clock.now());
  });

  it.each([
    ['a wrong password', { username: 'alice', password: 'wrong' }],
    ['an unknown user', { username: 'nobody', password: 'correct horse' }],
    ['a password over 1024 bytes', { username: 'alice', password: 'x'.repeat(1025) }],
  ])('refuses %s with the same 401', async (_case, body) => {
    const response = await server.post('/api/token/', body);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
    expect(response.headers['www-authenticate']).toBe(WWW);
  });

  it('refuses an inactive user with the same 401', async () => {
    await server.createUser('bob', 'bobs password', { isActive: false });
    const response = await server.post('/api/token/', { username: 'bob', password: 'bobs password' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
  });

  it.each([
    [{}, { username: ['This field is required.'], password: ['This field is required.'] }],
    [{ username: 'alice' }, { password: ['This field is required.'] }],
    [
      { username: '  ', password: '' },
      { username: ['This field may not be blank.'], password: ['This field may not be blank.'] },
    ],
    [{ username: null, password: 'x' }, { username: ['This field may not be null.'] }],
    [
      { username: {}, password: [] },
      { username: ['Not a valid string.'], password: ['Not a valid string.'] },
    ],
    [{ username: true, password: 'x' }, { username: ['Not a valid string.'] }],
    [{ username: 'a\u0000b', password: 'x' }, { username: ['Null characters are not allowed.'] }],
  ])('answers %j with 400 field errors %j', async (body, errors) => {
    const response = await server.post('/api/token/', body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(errors);
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('accepts a number as its decimal string', async () => {
    await server.createUser('42', 'numeric user pw');
    const response = await server.post('/api/token/', { username: 42, password: 'numeric user pw' });
    expect(response.statusCode).toBe(200);
  });
});
