import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessRefused, tokenRefused } from '../support/answers.js';
import { bearer, createTestServer, type TestServer } from '../support/server.js';

const blacklisted = tokenRefused('Token is blacklisted');
const accessBlacklisted = accessRefused('Token is blacklisted');

describe('verify, blacklist, revoke, logout and revoke-all', () => {
  let server: TestServer;
  let pair: { access: string; refresh: string };
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
    await server.createUser('mallory', 'mallorys pw');
    pair = await server.login('alice', 'correct horse');
  });
  afterEach(() => server.close());

  const profile = (access: string) =>
    server.app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(access) });

  describe('POST /api/token/verify/', () => {
    it('answers 200 {} for a valid access or refresh token', async () => {
      for (const token of [pair.access, pair.refresh]) {
        const response = await server.post('/api/token/verify/', { token });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({});
      }
    });

    it('answers 401 Token is blacklisted for a rotated refresh token (not SimpleJWT 400)', async () => {
      await server.post('/api/token/refresh/', { refresh: pair.refresh });
      const response = await server.post('/api/token/verify/', { token: pair.refresh });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(blacklisted);
    });

    it('answers 401 Token is blacklisted for an access token of an ended session', async () => {
      await server.post('/api/token/blacklist/', { refresh: pair.refresh });
      const response = await server.post('/api/token/verify/', { token: pair.access });
      expect(response.json()).toEqual(blacklisted);
    });

    it('answers 401 Token is expired and Token is invalid', async () => {
      expect((await server.post('/api/token/verify/', { token: 'x.y.z' })).json()).toEqual({
        detail: 'Token is invalid',
        code: 'token_not_valid',
      });
      server.clock.advance(300);
      expect((await server.post('/api/token/verify/', { token: pair.access })).json()).toEqual({
        detail: 'Token is expired',
        code: 'token_not_valid',
      });
    });

    it('requires the token field', async () => {
      const response = await server.post('/api/token/verify/', { refresh: pair.refresh });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ token: ['This field is required.'] });
    });
  });

  describe('POST /api/token/blacklist/', () => {
    it('answers 200 {} and ends the session, access tokens included', async () => {
      const response = await server.post('/api/token/blacklist/', { refresh: pair.refresh });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({});
      expect((await server.post('/api/token/refresh/', { refresh: pair.refresh })).json()).toEqual(blacklisted);
      const denied = await profile(pair.access);
      expect(denied.statusCode).toBe(401);
      expect(denied.json()).toEqual(accessBlacklisted);
    });

    it('answers 401 Token is blacklisted the second time', async () => {
      await server.post('/api/token/blacklist/', { refresh: pair.refresh });
      const again = await server.post('/api/token/blacklist/', { refresh: pair.refresh });
      expect(again.statusCode).toBe(401);
      expect(again.json()).toEqual(blacklisted);
    });

    it('refuses an access token with Token has wrong type', async () => {
      const response = await server.post('/api/token/blacklist/', { refresh: pair.access });
      expect(response.json()).toEqual({ detail: 'Token has wrong type', code: 'token_not_valid' });
    });

    it('leaves other sessions alone', async () => {
      const other = await server.login('alice', 'correct horse');
      await server.post('/api/token/blacklist/', { refresh: pair.refresh });
      expect((await profile(other.access)).statusCode).toBe(200);
    });
  });

  describe.each([
    ['/api/token/revoke/', 200, '{"message":"Token revoked successfully"}'],
    ['/api/auth/logout/', 205, ''],
  ])('POST %s', (url, status, body) => {
    it(`answers ${status} and ends the session, access tokens included`, async () => {
      const response = await server.post(url, { refresh: pair.refresh }, bearer(pair.access));
      expect(response.statusCode).toBe(status);
      expect(response.body).toBe(body);
      expect((await profile(pair.access)).json()).toEqual(accessBlacklisted);
      expect((await server.post('/api/token/refresh/', { refresh: pair.refresh })).json()).toEqual(blacklisted);
    });

    it('is idempotent for a token already revoked, with a second session', async () => {
      const other = await server.login('alice', 'correct horse');
      await server.post(url, { refresh: pair.refresh }, bearer(other.access));
      const again = await server.post(url, { refresh: pair.refresh }, bearer(other.access));
      expect(again.statusCode).toBe(status);
      expect(again.body).toBe(body);
    });

    it('is idempotent for a rotated token of the caller', async () => {
      const rotated = await server.post('/api/token/refresh/', { refresh: pair.refresh });
      const { access } = rotated.json<{ access: string }>();
      const response = await server.post(url, { refresh: pair.refresh }, bearer(access));
      expect(response.statusCode).toBe(status);
      expect((await profile(access)).statusCode).toBe(401);
    });

    it("answers 400 Invalid token for another user's token and leaves it working", async () => {
      const mallory = await server.login('mallory', 'mallorys pw');
      const response = await server.post(url, { refresh: pair.refresh }, bearer(mallory.access));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: 'Invalid token' });
      expect((await profile(pair.access)).statusCode).toBe(200);
    });

    it.each([
      ['garbage', () => 'garbage'],
      ['an access token', () => pair.access],
    ])('answers 400 Invalid token for %s', async (_name, token) => {
      const response = await server.post(url, { refresh: token() }, bearer(pair.access));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: 'Invalid token' });
    });

    it('answers 400 Invalid token for an expired refresh token', async () => {
      server.clock.advance(86_400);
      const fresh = await server.login('alice', 'correct horse');
      const response = await server.post(url, { refresh: pair.refresh }, bearer(fresh.access));
      expect(response.json()).toEqual({ error: 'Invalid token' });
    });

    it('requires the refresh field', async () => {
      const response = await server.post(url, {}, bearer(pair.access));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ refresh: ['This field is required.'] });
    });

    it('requires authentication before reading the body', async () => {
      const response = await server.post(url, 'not json', { 'content-type': 'text/plain' });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    });
  });

  describe('POST /api/token/revoke-all/', () => {
    it('ends every session of the caller and no one else', async () => {
      const second = await server.login('alice', 'correct horse');
      const mallory = await server.login('mallory', 'mallorys pw');
      const response = await server.post('/api/token/revoke-all/', {}, bearer(second.access));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ message: 'All tokens revoked successfully' });
      for (const tokens of [pair, second]) {
        expect((await profile(tokens.access)).json()).toEqual(accessBlacklisted);
        expect((await server.post('/api/token/refresh/', { refresh: tokens.refresh })).json()).toEqual(blacklisted);
      }
      expect((await profile(mallory.access)).statusCode).toBe(200);
    });

    it('lets a login in the same instant work afterwards', async () => {
      await server.post('/api/token/revoke-all/', {}, bearer(pair.access));
      const fresh = await server.login('alice', 'correct horse');
      expect((await profile(fresh.access)).statusCode).toBe(200);
    });

    it('needs no body and requires a Bearer token', async () => {
      const response = await server.post('/api/token/revoke-all/', undefined);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    });
  });
});
