import { afterEach, describe, expect, it } from 'vitest';
import type { AuthClient, DocumentLike } from '../src/index.js';
import { setup, type Setup } from './support/setup.js';

/** A `document` whose `cookie` is the browser's jar, as the fake server fills it. */
function browserDocument(cookie = ''): DocumentLike & { cookie: string } {
  return { cookie, visibilityState: 'visible' };
}

describe('a cookie-transport login fetches a CSRF token first', () => {
  let t: Setup;
  let auth: AuthClient;
  afterEach(() => auth.dispose());

  const start = (document: DocumentLike | null, options: { transport?: 'bearer' | 'cookie' } = {}) => {
    const jar = document as { cookie: string } | null;
    t = setup(
      { transport: options.transport ?? 'cookie', platform: { document } },
      {
        cookies: (options.transport ?? 'cookie') === 'cookie',
        onCsrfCookie: (token) => {
          if (jar !== null) jar.cookie = jar.cookie === '' ? `csrftoken=${token}` : `${jar.cookie}; csrftoken=${token}`;
        },
      },
    );
    auth = t.auth;
    return t;
  };
  const requests = () => t.server.calls.map((call) => `${call.method} ${call.path}`);
  const loginCall = () => t.server.calls.find((call) => call.path === '/api/token/')!;

  it('without a readable csrftoken cookie, GETs /api/csrf/ with credentials, then logs in with X-CSRFToken', async () => {
    const document = browserDocument('theme=dark');
    start(document);
    await auth.login('alice', 'pw');
    expect(requests()).toEqual(['GET /api/csrf/', 'POST /api/token/']);
    expect(t.server.calls[0]).toMatchObject({ credentials: 'include', body: undefined });
    expect(loginCall().credentials).toBe('include');
    expect(loginCall().headers.get('x-csrftoken')).toBe('csrf-1');
    expect(document.cookie).toBe('theme=dark; csrftoken=csrf-1');
    expect(auth.getSnapshot().status).toBe('authenticated');
  });

  it('with a csrftoken cookie already readable, logs in at once and echoes it', async () => {
    start(browserDocument('csrftoken=held-1'));
    await auth.login('alice', 'pw');
    expect(requests()).toEqual(['POST /api/token/']);
    expect(loginCall().headers.get('x-csrftoken')).toBe('held-1');
  });

  it('a second login reuses the cookie the first one left', async () => {
    start(browserDocument());
    await auth.login('alice', 'pw');
    await auth.login('alice', 'pw');
    expect(requests()).toEqual(['GET /api/csrf/', 'POST /api/token/', 'POST /api/token/']);
  });

  it.each([
    ['no document (React Native)', null],
    ['a document that cannot see the API’s cookies (another origin)', { visibilityState: 'visible' }],
  ])('with %s, sends the token from the answer’s body', async (_name, document) => {
    start(document);
    await auth.login('alice', 'pw');
    expect(requests()).toEqual(['GET /api/csrf/', 'POST /api/token/']);
    expect(loginCall().headers.get('x-csrftoken')).toBe('csrf-1');
  });

  it('when /api/csrf/ fails (an older server), logs in without the header and lets the server decide', async () => {
    start(browserDocument());
    t.server.failNext.set('/api/csrf/', 404);
    await auth.login('alice', 'pw');
    expect(requests()).toEqual(['GET /api/csrf/', 'POST /api/token/']);
    expect(loginCall().headers.get('x-csrftoken')).toBeNull();
  });

  it('when /api/csrf/ cannot be reached, the login fails with network_error and sends no credentials', async () => {
    start(browserDocument());
    t.server.offline = true;
    await expect(auth.login('alice', 'pw')).rejects.toMatchObject({ code: 'network_error' });
    expect(requests()).toEqual(['GET /api/csrf/']);
    expect(auth.getSnapshot().status).toBe('unauthenticated');
  });

  it('in bearer transport, never asks for a CSRF token', async () => {
    start(browserDocument(), { transport: 'bearer' });
    await auth.login('alice', 'pw');
    expect(requests()).toEqual(['POST /api/token/']);
    expect(loginCall().headers.get('x-csrftoken')).toBeNull();
    expect(loginCall().credentials).toBeUndefined();
  });
});
