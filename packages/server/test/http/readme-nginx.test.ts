// The README's nginx example, taken from the README itself: a browser's
// cookie-mode login through it must pass the CSRF origin check, which needs
// the scheme (X-Forwarded-Proto) and the host the browser used.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));
const PROXY = '10.0.0.11';
const BROWSER_ADDRESS = '203.0.113.7';
const SITE = 'auth.example.com';

/** What nginx puts for each variable on a request from a browser at `https://auth.example.com/`. */
const NGINX_VARIABLES: Record<string, string> = {
  $host: SITE,
  $scheme: 'https',
  $remote_addr: BROWSER_ADDRESS,
  // The browser sent no X-Forwarded-For of its own.
  $proxy_add_x_forwarded_for: BROWSER_ADDRESS,
};

/** The `proxy_set_header` lines of the README's nginx block, as the headers nginx sends upstream. */
function readmeProxyHeaders(): Record<string, string> {
  const block = /```nginx\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))?.[1];
  if (block === undefined) throw new Error('README.md has no ```nginx block');
  const headers: Record<string, string> = {};
  for (const [, name = '', raw = ''] of block.matchAll(/^\s*proxy_set_header\s+(\S+)\s+(.+?);\s*$/gm)) {
    const value = raw.replace(/^"(.*)"$/, '$1').replace(/\$\w+/g, (variable) => {
      const known = NGINX_VARIABLES[variable];
      if (known === undefined) throw new Error(`the test does not know nginx's ${variable}`);
      return known;
    });
    // nginx sends no header whose value is empty (`Connection ""` clears it).
    if (value !== '') headers[name.toLowerCase()] = value;
  }
  return headers;
}

describe("the README's nginx example in front of cookie mode", () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_COOKIE_MODE: 'on', TESSERA_TRUSTED_PROXIES: PROXY });
    await server.createUser('alice', 'correct horse');
  });
  afterEach(() => server.close());

  it('forwards the scheme, the host and the client address', () => {
    expect(readmeProxyHeaders()).toEqual({
      host: SITE,
      'x-forwarded-proto': 'https',
      'x-forwarded-for': BROWSER_ADDRESS,
    });
  });

  it("lets a browser's cookie login through: 200, with the cookies and no token in the body", async () => {
    const proxied = readmeProxyHeaders();
    const browser = { origin: `https://${SITE}`, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' };
    const csrf = await server.app.inject({
      method: 'GET',
      url: '/api/csrf/',
      remoteAddress: PROXY,
      headers: { ...proxied, 'sec-fetch-site': 'same-origin' },
    });
    const token = csrf.json<{ csrfToken: string }>().csrfToken;
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      remoteAddress: PROXY,
      headers: { ...proxied, ...browser, cookie: `csrftoken=${token}`, 'x-csrftoken': token },
      payload: { username: 'alice', password: 'correct horse' },
    });
    expect({ status: login.statusCode, keys: Object.keys(login.json<object>()) }).toEqual({
      status: 200,
      keys: ['access_expiration', 'refresh_expiration', 'claims'],
    });
    expect(login.cookies.map((cookie) => cookie.name)).toEqual([
      '__Host-tessera-access',
      '__Secure-tessera-refresh',
      '__Secure-tessera-refresh',
      '__Secure-tessera-refresh',
      'csrftoken',
    ]);
    const sessions = await server.store.listSessions(1);
    expect(sessions.map((session) => session.ip)).toEqual([BROWSER_ADDRESS]);
  });
});
