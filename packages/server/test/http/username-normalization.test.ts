import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimsOf, createTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'a long enough secret';
const TAKEN = { status: 400, body: { username: ['A user with that username already exists.'] } };

describe('usernames are compared in NFKC form, as Django normalizes them', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_REGISTRATION: 'open' });
    await server.createUser('alice', 'correct horse');
  });
  afterEach(() => server.close());

  const register = async (username: string) => {
    const response = await server.post('/api/register/', { username, password: PASSWORD });
    return { status: response.statusCode, body: response.json<unknown>() };
  };

  it.each([
    ['fullwidth', 'alice', 'ａｌｉｃｅ'],
    ['fullwidth, in part', 'alice', 'aｌice'],
    ['mathematical letters', 'alice', '𝐚𝐥𝐢𝐜𝐞'],
    ['ligature', 'ff', 'ﬀ'],
  ])('registration refuses a %s look-alike of %s with 400 and the field error', async (_kind, taken, typed) => {
    if (taken !== 'alice') await server.createUser(taken, 'correct horse');
    const before = await server.store.listUsers();
    expect(await register(typed)).toEqual(TAKEN);
    expect(await server.store.listUsers()).toEqual(before);
  });

  it('registration stores a fullwidth name in its NFKC form', async () => {
    expect(await register('ｂｏｂ')).toEqual({
      status: 201,
      body: { username: 'bob', first_name: '', last_name: '', email: '' },
    });
    expect(await register('bob')).toEqual(TAKEN);
  });

  it('keeps usernames case-sensitive, as Django does', async () => {
    expect(await register('Alice')).toEqual({
      status: 201,
      body: { username: 'Alice', first_name: '', last_name: '', email: '' },
    });
  });

  it('a login with a look-alike of the name logs that user in', async () => {
    const response = await server.post('/api/token/', { username: 'ａｌｉｃｅ', password: 'correct horse' });
    expect(response.statusCode).toBe(200);
    expect(claimsOf(response.json<{ access: string }>().access)).toMatchObject({ username: 'alice', user_id: '1' });
  });

  it('a user stored before names were normalized still logs in with the name as stored', async () => {
    await server.createUser('ｃａｒｏｌ', 'correct horse');
    const response = await server.post('/api/token/', { username: 'ｃａｒｏｌ', password: 'correct horse' });
    expect(response.statusCode).toBe(200);
    expect(claimsOf(response.json<{ access: string }>().access)).toMatchObject({ username: 'ｃａｒｏｌ' });
  });
});
