import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStorage, type AuthClient } from '../src/index.js';
import { createTransport, readCookie } from '../src/transport.js';
import { sessionFromPair } from '../src/session.js';
import { setup, type Setup } from './support/setup.js';

describe('cookie transport', () => {
  let t: Setup;
  let auth: AuthClient;
  const document = { cookie: 'theme=dark; csrftoken=csrf-1', visibilityState: 'visible' };
  afterEach(() => auth.dispose());

  const start = async (serverOptions: { cookieBody?: boolean } = {}) => {
    const storage = createMemoryStorage();
    t = setup({ transport: 'cookie', storage, platform: { document } }, { cookies: true, ...serverOptions });
    auth = t.auth;
    await auth.login('alice', 'pw');
    return storage;
  };

  it('keeps no token in JS: user and expiry come from the body’s claims, the token is dropped', async () => {
    const storage = await start();
    expect(auth.getAccessToken()).toBeNull();
    expect(auth.getSnapshot()).toEqual({
      status: 'authenticated',
      user: expect.objectContaining({ username: 'alice' }) as unknown,
      expiresAt: t.time.now() + 300_000,
      retryAt: null,
    });
    const stored = storage.getItem('tessera.session') as string;
    expect(stored).not.toMatch(/eyJ/);
    expect(JSON.parse(stored)).toMatchObject({ access: null, refresh: null, claims: { username: 'alice' } });
  });

  it('sends credentials: include everywhere and X-CSRFToken on unsafe methods only', async () => {
    await start();
    await auth.fetch('/api/profile/');
    const get = t.server.calls.at(-1)!;
    expect(get.credentials).toBe('include');
    expect(get.headers.get('x-csrftoken')).toBeNull();
    expect(get.headers.get('authorization')).toBeNull();
    await auth.fetch('/api/things/', { method: 'PATCH', body: '{}' });
    expect(t.server.calls.at(-1)!.headers.get('x-csrftoken')).toBe('csrf-1');
  });

  it('refreshes with an empty body, the cookie and the CSRF header, and retries the 401 once', async () => {
    await start();
    t.serverAhead.ms = 301_000;
    t.server.sendDate = false;
    const responses = await Promise.all([auth.fetch('/api/profile/'), auth.fetch('/api/profile/')]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const refreshes = t.server.calls.filter((c) => c.path === '/api/token/refresh/');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]).toMatchObject({ body: {}, credentials: 'include' });
    expect(refreshes[0]!.headers.get('x-csrftoken')).toBe('csrf-1');
  });

  it('works without a body: authenticated with no user or expiry, refreshing on 401', async () => {
    await start({ cookieBody: false });
    expect(auth.getSnapshot()).toEqual({ status: 'authenticated', user: null, expiresAt: null, retryAt: null });
    expect(t.time.pending()).toEqual([]);
    t.serverAhead.ms = 301_000;
    expect((await auth.fetch('/api/profile/')).status).toBe(200);
    expect(t.server.count('/api/token/refresh/')).toBe(1);
  });

  it('reads the CSRF cookie by its configured name', () => {
    expect(readCookie('a=1; my_csrf=x%20y', 'my_csrf')).toBe('x y');
    expect(readCookie('a=1', 'csrftoken')).toBeNull();
  });
});

describe('bearer transport: the scheme follows the access token', () => {
  const jwt = (claims: Record<string, unknown>) =>
    `e30.${Buffer.from(JSON.stringify({ exp: 2_000_000_000, jti: 'j', ...claims })).toString('base64url')}.sig`;
  const bearer = createTransport({ kind: 'bearer', csrfCookieName: 'c', csrfHeaderName: 'h', document: null });

  it.each([
    ['an unbound token: Bearer', {}, 'Bearer'],
    ['a token with cnf.jkt: DPoP', { cnf: { jkt: 'thumbprint' } }, 'DPoP'],
    ['a cnf without a usable jkt: Bearer', { cnf: { jkt: '' } }, 'Bearer'],
  ])('%s', (_name, claims, scheme) => {
    const access = jwt(claims);
    expect(bearer.credentialsFor('GET', sessionFromPair(access, 'r'))).toEqual({
      headers: { Authorization: `${scheme} ${access}` },
      credentials: undefined,
    });
  });
});
