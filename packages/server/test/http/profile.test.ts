import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hs256Codec } from '../support/codec.js';
import { TEST_SECRET, bearer, claimsOf, createTestServer, headerOf, type TestServer } from '../support/server.js';

describe('GET /api/profile/', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse', { firstName: 'Alice', lastName: 'Liddell', email: 'a@x.io' });
    await server.createUser('bob', 'bobs password', { firstName: 'Bob', lastName: 'Builder', email: 'b@x.io' });
  });
  afterEach(() => server.close());

  const get = (url: string, headers: Record<string, string>) => server.app.inject({ method: 'GET', url, headers });

  it("returns the caller's own data, in the contract's key order", async () => {
    const alice = await server.login('alice', 'correct horse');
    const bob = await server.login('bob', 'bobs password');
    const a = await get('/api/profile/', bearer(alice.access));
    expect(a.statusCode).toBe(200);
    expect(a.body).toBe('{"username":"alice","first_name":"Alice","last_name":"Liddell","email":"a@x.io"}');
    expect((await get('/api/profile/', bearer(bob.access))).json()).toEqual({
      username: 'bob',
      first_name: 'Bob',
      last_name: 'Builder',
      email: 'b@x.io',
    });
  });

  it('is served without the trailing slash, as React clients call /api/profile', async () => {
    const { access } = await server.login('alice', 'correct horse');
    expect((await get('/api/profile', bearer(access))).statusCode).toBe(200);
  });

  it('refuses the token of a deleted user with 401 user_not_found', async () => {
    const { access } = await server.login('alice', 'correct horse');
    const user = await server.store.findUserByUsername('alice');
    await server.store.deleteUser(user!.id, server.clock.now());
    const response = await get('/api/profile/', bearer(access));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'User not found', code: 'user_not_found' });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('refuses the token of a deactivated user with 401 user_inactive', async () => {
    const { access } = await server.login('alice', 'correct horse');
    const user = await server.store.findUserByUsername('alice');
    await server.store.setActive(user!.id, false, server.clock.now());
    const response = await get('/api/profile/', bearer(access));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'User is inactive', code: 'user_inactive' });
  });

  it('refuses every access token after a password change', async () => {
    const { access } = await server.login('alice', 'correct horse');
    const user = await server.store.findUserByUsername('alice');
    await server.store.setPassword(user!.id, user!.passwordHash, server.clock.now());
    const response = await get('/api/profile/', bearer(access));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ messages: [{ message: 'Token is blacklisted' }] });
  });

  it('accepts the access token until it expires, then 401 Token is expired', async () => {
    const { access } = await server.login('alice', 'correct horse');
    server.clock.advance(299);
    expect((await get('/api/profile/', bearer(access))).statusCode).toBe(200);
    server.clock.advance(1);
    const response = await get('/api/profile/', bearer(access));
    expect(response.json()).toEqual({
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is expired' }],
    });
  });

  it('answers user_not_found for a token (signed with the key) naming a user who does not exist', async () => {
    const { access } = await server.login('alice', 'correct horse');
    const forged = hs256Codec(TEST_SECRET, headerOf(access).kid as string).sign({
      ...claimsOf(access),
      user_id: '999999',
    });
    const response = await get('/api/profile/', bearer(forged));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'User not found', code: 'user_not_found' });
  });

  it("refuses a token (signed with the key) naming another existing user's id in this session", async () => {
    const { access } = await server.login('alice', 'correct horse');
    const bob = await server.store.findUserByUsername('bob');
    const forged = hs256Codec(TEST_SECRET, headerOf(access).kid as string).sign({
      ...claimsOf(access),
      user_id: String(bob!.id),
    });
    const response = await get('/api/profile/', bearer(forged));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ messages: [{ message: 'Token is invalid' }] });
  });
});
