import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, claimsOf, createTestServer, type TestServer } from '../support/server.js';

const notValid = (detail: string) => ({ detail, code: 'token_not_valid' });

describe('POST /api/token/refresh/', () => {
  let server: TestServer;
  let pair: { access: string; refresh: string };
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
    pair = await server.login('alice', 'correct horse');
  });
  afterEach(() => server.close());

  it('returns 200 with access then refresh, a new pair in the same session', async () => {
    server.clock.advance(10);
    const response = await server.post('/api/token/refresh/', { refresh: pair.refresh });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ access: string; refresh: string }>();
    expect(Object.keys(body)).toEqual(['access', 'refresh']);
    const next = claimsOf(body.refresh);
    expect(next.sid).toBe(claimsOf(pair.refresh).sid);
    expect(next.jti).not.toBe(claimsOf(pair.refresh).jti);
    expect(next.exp).toBe(Math.floor(server.clock.now() / 1000) + 86_400);
    expect(claimsOf(body.access).token_type).toBe('access');
  });

  it('is served at the /api/auth/refresh alias', async () => {
    const response = await server.post('/api/auth/refresh', { refresh: pair.refresh });
    expect(response.statusCode).toBe(200);
  });

  it('refuses a rotated token after the grace window with 401 Token is blacklisted', async () => {
    await server.post('/api/token/refresh/', { refresh: pair.refresh });
    server.clock.advance(10);
    const again = await server.post('/api/token/refresh/', { refresh: pair.refresh });
    expect(again.statusCode).toBe(401);
    expect(again.json()).toEqual(notValid('Token is blacklisted'));
    expect(again.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('refuses an expired refresh token with Token is expired', async () => {
    server.clock.advance(86_400);
    const response = await server.post('/api/token/refresh/', { refresh: pair.refresh });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(notValid('Token is expired'));
  });

  it('honours the configured leeway', async () => {
    const lenient = await createTestServer({ TESSERA_LEEWAY: '30' });
    try {
      await lenient.createUser('bob', 'bobs password');
      const tokens = await lenient.login('bob', 'bobs password');
      lenient.clock.advance(86_400 + 29);
      expect((await lenient.post('/api/token/refresh/', { refresh: tokens.refresh })).statusCode).toBe(200);
    } finally {
      await lenient.close();
    }
  });

  it('refuses an access token with Token has wrong type', async () => {
    const response = await server.post('/api/token/refresh/', { refresh: pair.access });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(notValid('Token has wrong type'));
  });

  it.each(['garbage', 'a.b.c', `${'x'.repeat(5000)}`])('refuses %s with Token is invalid', async (token) => {
    const response = await server.post('/api/token/refresh/', { refresh: token });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(notValid('Token is invalid'));
  });

  it('refuses a token signed with another key with Token is invalid', async () => {
    const other = await createTestServer({ TESSERA_SECRET_KEY: 'another-secret-key-also-long-enough-0123456789' });
    try {
      await other.createUser('alice', 'correct horse');
      const foreign = await other.login('alice', 'correct horse');
      const response = await server.post('/api/token/refresh/', { refresh: foreign.refresh });
      expect(response.json()).toEqual(notValid('Token is invalid'));
    } finally {
      await other.close();
    }
  });

  it('refuses a token after logout, blacklist or revoke-all with Token is blacklisted', async () => {
    const second = await server.login('alice', 'correct horse');
    await server.post('/api/token/revoke-all/', {}, bearer(second.access));
    for (const token of [pair.refresh, second.refresh]) {
      const response = await server.post('/api/token/refresh/', { refresh: token });
      expect(response.json()).toEqual(notValid('Token is blacklisted'));
    }
  });

  it('answers 401 no active account, without code, for a deactivated user', async () => {
    const user = await server.store.findUserByUsername('alice');
    await server.store.setActive(user!.id, false, server.clock.now());
    const response = await server.post('/api/token/refresh/', { refresh: pair.refresh });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'No active account found for the given token.' });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('keeps the sessions ended when the user is activated again', async () => {
    const user = await server.store.findUserByUsername('alice');
    await server.store.setActive(user!.id, false, server.clock.now());
    await server.store.setActive(user!.id, true, server.clock.now());
    const response = await server.post('/api/token/refresh/', { refresh: pair.refresh });
    expect(response.json()).toEqual(notValid('Token is blacklisted'));
  });

  it('answers 401 no active account, not a 500, for a deleted user', async () => {
    const user = await server.store.findUserByUsername('alice');
    await server.store.deleteUser(user!.id, server.clock.now());
    const response = await server.post('/api/token/refresh/', { refresh: pair.refresh });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'No active account found for the given token.' });
  });

  it('reports every missing field', async () => {
    const response = await server.post('/api/token/refresh/', {});
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ refresh: ['This field is required.'] });
  });
});
