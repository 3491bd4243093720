import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessRefused, tokenRefused } from '../support/answers.js';
import { bearer, claimsOf, createTestServer, type TestServer } from '../support/server.js';

type Pair = { access: string; refresh: string };

const BLACKLISTED = tokenRefused('Token is blacklisted');
const ACCESS_BLACKLISTED = accessRefused('Token is blacklisted');

describe('refresh: grace window and reuse detection', () => {
  let server: TestServer;
  let login: Pair;
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
    login = await server.login('alice', 'correct horse');
  });
  afterEach(() => server.close());

  const refresh = (token: string) => server.post('/api/token/refresh/', { refresh: token });
  const rotate = async (token: string): Promise<Pair> => {
    const response = await refresh(token);
    expect(response.statusCode).toBe(200);
    return response.json<Pair>();
  };
  const profile = (access: string) =>
    server.app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(access) });
  const expectRefused = async (token: string) => {
    const response = await refresh(token);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BLACKLISTED);
  };
  const expectAccessRefused = async (access: string) => {
    const response = await profile(access);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(ACCESS_BLACKLISTED);
  };

  it('answers every presentation inside the window with the identical pair, rotating once', async () => {
    server.clock.advance(1.5);
    const first = await refresh(login.refresh);
    server.clock.advance(9.999);
    const again = await refresh(login.refresh);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    // One rotation: the pair works, and its refresh token rotates onwards.
    const pair = first.json<Pair>();
    expect((await profile(pair.access)).statusCode).toBe(200);
    expect((await rotate(pair.refresh)).refresh).not.toBe(pair.refresh);
  });

  it('gives concurrent presentations one identical pair', async () => {
    const responses = await Promise.all(Array.from({ length: 16 }, () => refresh(login.refresh)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array.from({ length: 16 }, () => 200));
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    const { refresh: successor } = responses[0]!.json<Pair>();
    expect(claimsOf(successor).sid).toBe(claimsOf(login.refresh).sid);
    expect(await server.store.findRefreshToken(claimsOf(successor).jti as string)).toMatchObject({ usedAt: null });
  });

  it('treats the token as reused from the end of the window: 401, and the whole session ends', async () => {
    const second = await rotate(login.refresh);
    const third = await rotate(second.refresh);
    server.clock.advance(10);
    await expectRefused(second.refresh);
    // Every descendant and its access token, too.
    await expectRefused(third.refresh);
    await expectAccessRefused(third.access);
    await expectAccessRefused(second.access);
    const sid = claimsOf(login.refresh).sid as string;
    expect(await server.store.findSession(sid)).toMatchObject({ revokeReason: 'token_reuse' });
  });

  it('forgives only the immediate parent: a grandparent inside the window is reuse', async () => {
    const second = await rotate(login.refresh);
    server.clock.advance(1);
    const third = await rotate(second.refresh);
    server.clock.advance(1);
    // The parent of the live token still gets the live pair...
    expect((await refresh(second.refresh)).json<Pair>()).toEqual(third);
    // ...but its own parent is reuse.
    await expectRefused(login.refresh);
    await expectRefused(third.refresh);
    await expectAccessRefused(third.access);
  });

  it('treats the parent of a used token as reuse even inside the window', async () => {
    const second = await rotate(login.refresh);
    await rotate(second.refresh);
    await expectRefused(login.refresh);
  });

  it('gives nothing inside the window once the session has ended', async () => {
    const second = await rotate(login.refresh);
    const logout = await server.post('/api/auth/logout/', { refresh: second.refresh }, bearer(second.access));
    expect(logout.statusCode).toBe(205);
    await expectRefused(login.refresh);
    expect(await server.store.findSession(claimsOf(login.refresh).sid as string)).toMatchObject({
      revokeReason: 'logout',
    });
  });

  it('leaves other sessions of the user alone', async () => {
    const other = await server.login('alice', 'correct horse');
    await rotate(login.refresh);
    server.clock.advance(10);
    await expectRefused(login.refresh);
    expect((await profile(other.access)).statusCode).toBe(200);
    expect((await refresh(other.refresh)).statusCode).toBe(200);
  });

  it('counts every presentation after rotation as reuse when the window is 0', async () => {
    const strict = await createTestServer({ TESSERA_REFRESH_GRACE_SECONDS: '0' });
    try {
      await strict.createUser('bob', 'bobs password');
      const pair = await strict.login('bob', 'bobs password');
      const next = (await strict.post('/api/token/refresh/', { refresh: pair.refresh })).json<Pair>();
      const again = await strict.post('/api/token/refresh/', { refresh: pair.refresh });
      expect(again.statusCode).toBe(401);
      expect(again.json()).toEqual(BLACKLISTED);
      expect((await strict.post('/api/token/refresh/', { refresh: next.refresh })).json()).toEqual(BLACKLISTED);
    } finally {
      await strict.close();
    }
  });
});

describe('refresh: the absolute session lifetime', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_SESSION_MAX_AGE: '3600' });
    await server.createUser('alice', 'correct horse');
  });
  afterEach(() => server.close());

  it('caps every token of the session at its end, and refuses rotation past it', async () => {
    const started = Math.floor(server.clock.now() / 1000);
    const login = await server.login('alice', 'correct horse');
    expect(claimsOf(login.refresh).exp).toBe(started + 3600);
    server.clock.advance(3400);
    const rotated = (await server.post('/api/token/refresh/', { refresh: login.refresh })).json<Pair>();
    expect(claimsOf(rotated.refresh).exp).toBe(started + 3600);
    // The access token too: five minutes from now would pass the end.
    expect(claimsOf(rotated.access).exp).toBe(started + 3600);
    server.clock.advance(200);
    const late = await server.post('/api/token/refresh/', { refresh: rotated.refresh });
    expect(late.statusCode).toBe(401);
    expect(late.json()).toEqual({ detail: 'Token is expired', code: 'token_not_valid' });
  });
});
