import { createArgon2idHasher, openSqliteStore, type Store } from '@tessera/server';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildInProcess } from '../src/in-process.js';

const SECRET = 'notes-example-secret-0123456789abcdef0123456789';
const hasher = createArgon2idHasher({ concurrency: 1 });

async function addUser(store: Store, username: string, isStaff = false): Promise<void> {
  await store.createUser({
    username,
    passwordHash: await hasher.hash(`${username} password`),
    email: '',
    firstName: '',
    lastName: '',
    isActive: true,
    isStaff,
    isSuperuser: false,
    dateJoined: Date.now(),
    role: 'viewer',
    permissions: [],
  });
}

describe('the notes service with tessera in-process', () => {
  let store: Store;
  let app: FastifyInstance;

  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await Promise.all([addUser(store, 'alice'), addUser(store, 'bob'), addUser(store, 'sam', true)]);
    const env = { TESSERA_SECRET_KEY: SECRET, TESSERA_EXTRA_CLAIMS: 'is_staff', TESSERA_RATE_LIMITS: 'off' };
    app = await buildInProcess({ env, store }, false);
  });
  afterEach(async () => {
    await app.close();
    await store.close();
  });

  const login = async (username: string) => {
    const response = await app.inject({
      method: 'POST',
      url: '/auth/api/token/',
      payload: { username, password: `${username} password` },
    });
    expect(response.statusCode).toBe(200);
    return response.json<{ access: string; refresh: string }>();
  };
  const as = (access: string) => ({ authorization: `Bearer ${access}` });
  const write = (access: string, text: string) =>
    app.inject({ method: 'POST', url: '/notes/', headers: as(access), payload: { text } });

  it('shows each user their own notes, and staff everyone’s', async () => {
    const [alice, bob, sam] = await Promise.all([login('alice'), login('bob'), login('sam')]);
    const first = await write(alice.access, 'buy milk');
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ id: 1, owner: '1', text: 'buy milk' });
    expect((await write(bob.access, 'call mum')).statusCode).toBe(201);

    const mine = await app.inject({ url: '/notes/', headers: as(alice.access) });
    expect(mine.json()).toEqual([{ id: 1, owner: '1', text: 'buy milk' }]);
    const notBobs = await app.inject({ url: '/notes/1/', headers: as(bob.access) });
    expect(notBobs.statusCode).toBe(404);
    expect(notBobs.json()).toEqual({ detail: 'Not found.' });
    const all = await app.inject({ url: '/notes/', headers: as(sam.access) });
    expect(all.json()).toEqual([
      { id: 1, owner: '1', text: 'buy milk' },
      { id: 2, owner: '2', text: 'call mum' },
    ]);
  });

  it('refuses a logged-out session at once', async () => {
    const alice = await login('alice');
    expect((await app.inject({ url: '/notes/', headers: as(alice.access) })).statusCode).toBe(200);
    const logout = await app.inject({
      method: 'POST',
      url: '/auth/api/token/blacklist/',
      payload: { refresh: alice.refresh },
    });
    expect(logout.statusCode).toBe(200);
    const refused = await app.inject({ url: '/notes/', headers: as(alice.access) });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is blacklisted' }],
    });
  });

  it('answers the contract’s 401 without a token, and 400 for a note without text', async () => {
    const anonymous = await app.inject({ url: '/notes/' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    const alice = await login('alice');
    const empty = await write(alice.access, '  ');
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toEqual({ text: ['A note needs text, at most 10000 characters.'] });
  });
});
