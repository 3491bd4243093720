import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBrowserJar, type BrowserJar } from '../support/browser-jar.js';
import { claimsOf, createTestServer, type TestServer } from '../support/server.js';

const ACCESS = '__Host-tessera-access';
const ORIGIN = 'http://localhost:80';
/** What a browser sends on a top-level navigation from another site, such as a link. */
const CROSS_SITE_NAVIGATION = {
  'sec-fetch-site': 'cross-site',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
};

describe('GET /api/csrf/ in cookie mode', () => {
  let server: TestServer;
  let jar: BrowserJar;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_COOKIE_MODE: 'on' });
    await server.createUser('alice', 'correct horse');
    jar = createBrowserJar(server.clock);
  });
  afterEach(() => server.close());

  const navigate = async (url: string) => {
    const response = await server.app.inject({
      method: 'GET',
      url,
      headers: { cookie: jar.cookieFor(url), ...CROSS_SITE_NAVIGATION },
    });
    jar.take(response);
    return response;
  };
  /** An unsafe request from a page of this origin, echoing the csrftoken cookie. */
  const pagePost = async (url: string, body?: unknown) => {
    const response = await server.app.inject({
      method: 'POST',
      url,
      headers: { cookie: jar.cookieFor(url), origin: ORIGIN, 'x-csrftoken': jar.get('csrftoken') ?? '' },
      ...(body === undefined ? {} : { payload: body as string }),
    });
    jar.take(response);
    return response;
  };
  const logIn = async () => {
    await navigate('/api/csrf/');
    const login = await pagePost('/api/token/', { username: 'alice', password: 'correct horse' });
    expect(login.statusCode).toBe(200);
    return claimsOf(jar.get(ACCESS)!).sid as string;
  };

  it('after the access cookie lapsed, a cross-site navigation to it keeps the session’s token, and the next refresh passes', async () => {
    const sid = await logIn();
    const held = jar.get('csrftoken');
    server.clock.advance(301);
    expect(jar.get(ACCESS)).toBeUndefined();

    const csrf = await navigate('/api/csrf/');
    const refresh = await pagePost('/api/token/refresh/');
    expect({ status: refresh.statusCode, sid: refresh.json<{ claims?: { sid: string } }>().claims?.sid }).toEqual({
      status: 200,
      sid,
    });
    expect({ status: csrf.statusCode, body: csrf.json<unknown>() }).toEqual({ status: 200, body: { csrfToken: held } });
    expect(csrf.cookies).toEqual([]);
  });

  it('binds a new token to the session of the refresh cookie when the browser lost its csrftoken', async () => {
    const sid = await logIn();
    server.clock.advance(301);
    const cookie = jar.cookieFor('/api/csrf/').replace(/csrftoken=[^;]*(; )?/, '');
    const csrf = await server.app.inject({ method: 'GET', url: '/api/csrf/', headers: { cookie } });
    const token = csrf.json<{ csrfToken: string }>().csrfToken;
    expect(csrf.cookies.map(({ name, value }) => ({ name, value }))).toEqual([{ name: 'csrftoken', value: token }]);
    jar.take(csrf);

    const refresh = await pagePost('/api/token/refresh/');
    expect(refresh.statusCode).toBe(200);
    expect(refresh.json<{ claims: { sid: string } }>().claims.sid).toBe(sid);
  });

  it('keeps the token while the access cookie is live, and sets no cookie', async () => {
    await logIn();
    const held = jar.get('csrftoken');
    const csrf = await navigate('/api/csrf/');
    expect({ status: csrf.statusCode, body: csrf.json<unknown>(), cookies: csrf.cookies }).toEqual({
      status: 200,
      body: { csrfToken: held },
      cookies: [],
    });
  });

  it('replaces a token of an ended session with one of no session, so the next login passes', async () => {
    await logIn();
    const logout = await pagePost('/api/auth/logout/');
    expect(logout.statusCode).toBe(205);
    const csrf = await navigate('/api/csrf/');
    expect(csrf.statusCode).toBe(200);
    const login = await pagePost('/api/token/', { username: 'alice', password: 'correct horse' });
    expect(login.statusCode).toBe(200);
  });
});
