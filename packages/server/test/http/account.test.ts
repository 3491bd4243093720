import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestServer, type TestServer } from '../support/server.js';

type Pair = { access: string; refresh: string };

const TOO_SHORT = 'This password is too short. It must contain at least 8 characters.';
const TOO_LONG = 'This password is too long. It must contain at most 1024 bytes.';
const NUMERIC = 'This password is entirely numeric.';
const COMMON = 'This password is too common.';
const SIMILAR = 'The password is too similar to the username.';
const REQUIRED = 'This field is required.';

/** Weak passwords and what the policy says of each, for user `alice`. */
const POLICY: Array<[string, string, string[]]> = [
  ['seven characters', 'abc-def', [TOO_SHORT]],
  ['all digits', '90817263544', [NUMERIC]],
  ['a common password', 'Password1', [COMMON]],
  ['a common keyboard walk', 'qwertyuiop', [COMMON]],
  ['short, common and numeric', '1234567', [TOO_SHORT, COMMON, NUMERIC]],
  ['the username', 'alice', [SIMILAR, TOO_SHORT, COMMON]],
  ['the username, in other case and with a digit', 'ALICE.1', [SIMILAR, TOO_SHORT]],
  ['the username with little added', 'alice_99', [SIMILAR]],
  ['1025 bytes', 'é'.repeat(512) + 'x', [TOO_LONG]],
];

describe('POST /api/password/change/', () => {
  let server: TestServer;
  let current: Pair;
  let other: Pair;
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
    current = await server.login('alice', 'correct horse');
    other = await server.login('alice', 'correct horse');
  });
  afterEach(() => server.close());

  const change = (body: unknown, access = current.access) => server.post('/api/password/change/', body, bearer(access));
  const loginStatus = async (password: string) =>
    (await server.post('/api/token/', { username: 'alice', password })).statusCode;
  const profileStatus = async (access: string) =>
    (await server.app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(access) })).statusCode;

  it('changes the password and ends every other session, keeping the one asking', async () => {
    const response = await change({ old_password: 'correct horse', new_password: 'battery staple 42' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Password changed successfully' });

    expect(await loginStatus('battery staple 42')).toBe(200);
    expect(await loginStatus('correct horse')).toBe(401);
    expect(await profileStatus(current.access)).toBe(200);
    expect((await server.post('/api/token/refresh/', { refresh: current.refresh })).statusCode).toBe(200);
    expect(await profileStatus(other.access)).toBe(401);
    const refused = await server.post('/api/token/refresh/', { refresh: other.refresh });
    expect(refused.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
  });

  it('refuses a wrong old password with a field error and changes nothing', async () => {
    const response = await change({ old_password: 'wrong horse', new_password: 'battery staple 42' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      old_password: ['Your old password was entered incorrectly. Please enter it again.'],
    });
    expect(await loginStatus('correct horse')).toBe(200);
    expect(await profileStatus(other.access)).toBe(200);
  });

  it.each(POLICY)('refuses %s as the new password', async (_name, password, messages) => {
    const response = await change({ old_password: 'correct horse', new_password: password });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ new_password: messages });
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(await loginStatus('correct horse')).toBe(200);
  });

  it('reports a wrong old password and a weak new one together, in field order', async () => {
    const response = await change({ new_password: '1234567', old_password: 'nope' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(
      JSON.stringify({
        old_password: ['Your old password was entered incorrectly. Please enter it again.'],
        new_password: [TOO_SHORT, COMMON, NUMERIC],
      }),
    );
  });

  it('requires both fields', async () => {
    const response = await change({});
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ old_password: [REQUIRED], new_password: [REQUIRED] });
  });

  it('needs an access token', async () => {
    const response = await server.post('/api/password/change/', {
      old_password: 'correct horse',
      new_password: 'battery staple 42',
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect(await loginStatus('correct horse')).toBe(200);
  });
});

describe('PATCH /api/profile/', () => {
  let server: TestServer;
  let pair: Pair;
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse', { firstName: 'Alice', lastName: 'Liddell', email: 'a@x.io' });
    pair = await server.login('alice', 'correct horse');
  });
  afterEach(() => server.close());

  const patch = (payload: unknown, access = pair.access) =>
    server.app.inject({ method: 'PATCH', url: '/api/profile/', payload: payload as string, headers: bearer(access) });
  const profile = async (access = pair.access): Promise<unknown> =>
    (await server.app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(access) })).json();

  it('changes only the fields given and answers the new profile', async () => {
    const response = await patch({ last_name: '  Hargreaves ', email: 'alice@example.com' });
    expect(response.statusCode).toBe(200);
    const expected = { username: 'alice', first_name: 'Alice', last_name: 'Hargreaves', email: 'alice@example.com' };
    expect(response.json()).toEqual(expected);
    expect(await profile()).toEqual(expected);
  });

  it('shows the change at once to the other sessions of the user', async () => {
    const other = await server.login('alice', 'correct horse');
    expect(await profile(other.access)).toMatchObject({ first_name: 'Alice' });
    await patch({ first_name: 'Ally' });
    expect(await profile(other.access)).toMatchObject({ first_name: 'Ally' });
  });

  it('allows blank names and email, and ignores the username and unknown fields', async () => {
    const response = await patch({ first_name: '', email: ' ', username: 'mallory', is_staff: true });
    expect(response.json()).toEqual({ username: 'alice', first_name: '', last_name: 'Liddell', email: '' });
    expect((await server.store.findUserByUsername('alice'))?.isStaff).toBe(false);
  });

  it('accepts an empty body as no change', async () => {
    const response = await patch({});
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: 'a@x.io' });
  });

  it.each<[string, unknown, Record<string, string[]>]>([
    ['an invalid email', { email: 'not-an-email' }, { email: ['Enter a valid email address.'] }],
    ['an email without a domain dot', { email: 'a@localhost' }, { email: ['Enter a valid email address.'] }],
    ['an email with a space', { email: 'a b@x.io' }, { email: ['Enter a valid email address.'] }],
    [
      'a first name of 151 characters',
      { first_name: 'x'.repeat(151) },
      { first_name: ['Ensure this field has no more than 150 characters.'] },
    ],
    ['a null last name', { last_name: null }, { last_name: ['This field may not be null.'] }],
    ['a list as a name', { first_name: ['A'] }, { first_name: ['Not a valid string.'] }],
    [
      'several at once, in field order',
      { email: 'x', last_name: {}, first_name: null },
      {
        first_name: ['This field may not be null.'],
        last_name: ['Not a valid string.'],
        email: ['Enter a valid email address.'],
      },
    ],
  ])('refuses %s with 400 and changes nothing', async (_name, payload, errors) => {
    const response = await patch(payload);
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(JSON.stringify(errors));
    expect(await profile()).toEqual({ username: 'alice', first_name: 'Alice', last_name: 'Liddell', email: 'a@x.io' });
  });

  it('needs an access token', async () => {
    const response = await server.app.inject({ method: 'PATCH', url: '/api/profile/', payload: { first_name: 'X' } });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
  });
});

describe('POST /api/register/', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_REGISTRATION: 'open' });
    await server.createUser('zoe', 'correct horse');
  });
  afterEach(() => server.close());

  const register = (body: unknown) => server.post('/api/register/', body);

  it('creates an active account that can log in, and answers 201 with its profile', async () => {
    const response = await register({
      username: 'carol',
      password: 'a long enough secret',
      email: 'carol@example.com',
      first_name: 'Carol',
      last_name: 'Danvers',
    });
    expect(response.statusCode).toBe(201);
    expect(response.body).toBe(
      '{"username":"carol","first_name":"Carol","last_name":"Danvers","email":"carol@example.com"}',
    );
    expect((await server.post('/api/token/', { username: 'carol', password: 'a long enough secret' })).statusCode).toBe(
      200,
    );
    const carol = await server.store.findUserByUsername('carol');
    expect(carol).toMatchObject({ isActive: true, isStaff: false, isSuperuser: false, role: 'viewer' });
    expect(carol?.passwordHash.startsWith('$argon2id$')).toBe(true);
  });

  it('needs only a username and a password', async () => {
    const response = await register({ username: 'dave', password: 'a long enough secret' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ username: 'dave', first_name: '', last_name: '', email: '' });
  });

  it('refuses a taken username', async () => {
    const response = await register({ username: 'zoe', password: 'a long enough secret' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ username: ['A user with that username already exists.'] });
    expect((await server.post('/api/token/', { username: 'zoe', password: 'correct horse' })).statusCode).toBe(200);
  });

  it('creates one account when two ask for the same username at once', async () => {
    const responses = await Promise.all([
      register({ username: 'erin', password: 'first secret here' }),
      register({ username: 'erin', password: 'second secret here' }),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 400]);
    expect(responses.find((r) => r.statusCode === 400)?.json()).toEqual({
      username: ['A user with that username already exists.'],
    });
  });

  it.each(POLICY)('refuses %s as the password', async (_name, password, messages) => {
    const response = await register({ username: 'alice', password });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ password: messages });
    expect(await server.store.findUserByUsername('alice')).toBeUndefined();
  });

  it.each<[string, unknown, Record<string, string[]>]>([
    ['an empty body', {}, { username: [REQUIRED], password: [REQUIRED] }],
    [
      'a username with a space',
      { username: 'bad name', password: 'a long enough secret' },
      {
        username: ['Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'],
      },
    ],
    [
      'a username of 151 characters',
      { username: 'u'.repeat(151), password: 'a long enough secret' },
      { username: ['Ensure this field has no more than 150 characters.'] },
    ],
    [
      'an invalid email',
      { username: 'frank', password: 'a long enough secret', email: 'frank@' },
      { email: ['Enter a valid email address.'] },
    ],
    [
      'everything wrong, in field order',
      { last_name: 5, email: 'x', password: '1', username: '' },
      {
        username: ['This field may not be blank.'],
        password: [TOO_SHORT, NUMERIC],
        email: ['Enter a valid email address.'],
      },
    ],
  ])('refuses %s with field errors', async (_name, body, errors) => {
    const response = await register(body);
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(JSON.stringify(errors));
    expect((await server.store.listUsers()).map((u) => u.username)).toEqual(['zoe']);
  });
});

describe('POST /api/register/ while registration is closed (the default)', () => {
  it('answers 403 and creates nothing', async () => {
    const server = await createTestServer();
    try {
      const response = await server.post('/api/register/', { username: 'carol', password: 'a long enough secret' });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({
        detail: 'Registration is closed. An administrator can create accounts with `tessera createuser`.',
        code: 'permission_denied',
      });
      expect(await server.store.listUsers()).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
