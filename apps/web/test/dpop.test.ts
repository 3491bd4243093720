// The web app with DPoP (RFC 9449) in Chromium: the session is bound to a
// non-extractable key kept in IndexedDB, in cookie and in bearer transport.
// Refresh grace is 0, so a refresh token presented twice (two tabs refreshing
// the same one) would end the session: one live, bound session at the end
// means the tabs shared one refresh chain.
import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logIn, screenshot } from './support/browser.js';
import { startWebServer, type WebServer } from './support/server.js';

const PASSWORD = 'looking-glass-42';
/** Short enough that each tab refreshes, by its own timer, within seconds. */
const ACCESS_LIFETIME_SECONDS = 2;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
});

interface StoredKey {
  extractable: boolean;
  algorithm: string;
  publicJwk: { crv: string; kty: string; x: string; y: string };
  /** The name of what `crypto.subtle.exportKey('jwk', privateKey)` threw, or null if it did not. */
  exportError: string | null;
}

/** The key the app keeps in IndexedDB, read in the page as any script there could; null when there is none. */
function storedKey(page: Page): Promise<StoredKey | null> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('tessera.dpop');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('open failed'));
    });
    try {
      if (!db.objectStoreNames.contains('keys')) return null;
      const pair = await new Promise<CryptoKeyPair | undefined>((resolve, reject) => {
        const request = db.transaction('keys', 'readonly').objectStore('keys').get('device');
        request.onsuccess = () => resolve(request.result as CryptoKeyPair | undefined);
        request.onerror = () => reject(request.error ?? new Error('get failed'));
      });
      if (pair === undefined) return null;
      const { crv, kty, x, y } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as StoredKey['publicJwk'];
      let exportError: string | null = null;
      try {
        await crypto.subtle.exportKey('jwk', pair.privateKey);
      } catch (error) {
        exportError = (error as Error).name;
      }
      return {
        extractable: pair.privateKey.extractable,
        algorithm: `${pair.privateKey.algorithm.name} ${(pair.privateKey.algorithm as EcKeyAlgorithm).namedCurve}`,
        publicJwk: { crv, kty, x, y },
        exportError,
      };
    } finally {
      db.close();
    }
  });
}

/** RFC 7638: what the server binds a session to. */
const thumbprintOf = (jwk: StoredKey['publicJwk']) =>
  createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');

const MODES = [
  { transport: 'cookie', env: { TESSERA_COOKIE_MODE: 'on', TESSERA_DPOP: 'optional' } },
  { transport: 'bearer', env: { TESSERA_COOKIE_MODE: 'off', TESSERA_DPOP: 'required' } },
] as const;

describe.each(MODES)('the web app with DPoP, $transport transport ($env.TESSERA_DPOP)', ({ transport, env }) => {
  let server: WebServer;
  let context: BrowserContext;
  afterEach(async () => {
    await context.close();
    await server.close();
  });

  it(
    'binds the session to a key no script can export; keeps it across a reload and two tabs; logout deletes it',
    {
      timeout: 40_000,
    },
    async () => {
      server = await startWebServer({
        ...env,
        TESSERA_ACCESS_TOKEN_LIFETIME: String(ACCESS_LIFETIME_SECONDS),
        TESSERA_REFRESH_GRACE_SECONDS: '0',
      });
      const alice = await server.createUser('alice', PASSWORD);
      context = await browser.newContext({ baseURL: server.url });
      const page = await context.newPage();
      /** Every token request of either tab: `tab status path`, and whether it carried a proof. */
      const tokenRequests: string[] = [];
      /** How many refreshes `name` got a new pair from. */
      const refreshesBy = (name: string) =>
        tokenRequests.filter((line) => line.startsWith(`${name} 200 /api/token/refresh/`)).length;
      let onTokenRequest = () => {};
      /** Resolves once the token requests satisfy `predicate`. */
      const until = (predicate: () => boolean) =>
        new Promise<void>((resolve) => {
          onTokenRequest = () => predicate() && resolve();
          onTokenRequest();
        });
      const watch = (tab: Page, name: string) =>
        tab.on('response', (response) => {
          const path = new URL(response.url()).pathname;
          if (!path.startsWith('/api/token/')) return;
          const proof = response.request().headers().dpop === undefined ? 'no proof' : 'proof';
          tokenRequests.push(`${name} ${response.status()} ${path} ${proof}`);
          onTokenRequest();
        });
      watch(page, 'first');

      // Login: a key is made and kept, non-extractable, and the session is bound to it.
      await page.goto('/login');
      await logIn(page, 'alice', PASSWORD);
      await page.getByText('You are logged in to the homepage!').waitFor();
      const key = await storedKey(page);
      expect(key).toMatchObject({ extractable: false, algorithm: 'ECDSA P-256', exportError: 'InvalidAccessError' });
      expect(key?.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
      const sessions = () => server.store.listSessions(alice.id, { includeRevoked: true });
      expect((await sessions()).map((s) => [s.dpopJkt, s.revokedAt])).toEqual([[thumbprintOf(key!.publicJwk), null]]);
      expect(tokenRequests[0]).toBe('first 200 /api/token/ proof');

      // The sessions page says so.
      await page.locator('header').getByRole('link', { name: 'Sessions' }).click();
      const current = page.locator('li.session.current');
      await current.waitFor();
      expect(await current.locator('.bound').innerText()).toBe('Device-bound');
      await screenshot(page, `dpop-${transport}-sessions`);

      // A reload keeps the session and the key.
      await page.reload();
      await current.waitFor();
      expect((await storedKey(page))?.publicJwk).toEqual(key!.publicJwk);

      // A second tab shares the session, and each tab refreshes it in turn, by its own timer.
      const second = await context.newPage();
      watch(second, 'second');
      await second.goto('/');
      await second.getByText('You are logged in to the homepage!').waitFor();
      // Which tab refreshes first is up to their timers, and a tab whose clock estimate runs ahead keeps winning.
      // So each tab in turn has its refreshes fail (the network, as far as it knows) until the other has refreshed:
      // then each has refreshed a token the other obtained.
      for (const [blocked, name] of [
        [page, 'second'],
        [second, 'first'],
      ] as const) {
        await blocked.route('**/api/token/refresh/', (route) => route.abort());
        const before = refreshesBy(name);
        await until(() => refreshesBy(name) > before);
        await blocked.unroute('**/api/token/refresh/');
      }
      for (const tab of [page, second]) {
        await tab.locator('header').getByRole('link', { name: 'Sessions' }).click();
        await tab.locator('li.session.current .bound').waitFor();
      }
      const refreshes = tokenRequests.filter((line) => line.includes('/refresh/'));
      expect(refreshes.length).toBeGreaterThanOrEqual(2);
      // Each refresh carried a proof; a 401 is only a tab's first, asking for the server's nonce, and is retried.
      expect(refreshes.filter((line) => !line.endsWith(' proof') || line.includes('no proof'))).toEqual([]);
      const asked = refreshes.filter((line) => line.includes(' 401 '));
      expect(asked.length).toBeLessThanOrEqual(2);
      expect(new Set(asked).size).toBe(asked.length);
      // One session, still live: no refresh token was presented twice.
      expect((await sessions()).map((s) => [s.dpopJkt, s.revokedAt])).toEqual([[thumbprintOf(key!.publicJwk), null]]);

      // Logout ends it everywhere and deletes the key.
      await page.getByRole('button', { name: 'Logout' }).click();
      await page.waitForURL((url) => url.pathname === '/login');
      await second.waitForURL((url) => url.pathname === '/login');
      expect(await storedKey(page)).toBeNull();
      expect(await storedKey(second)).toBeNull();
      expect((await sessions())[0]?.revokedAt).not.toBeNull();
    },
  );
});

/** The claims of a JWT, decoded without verifying it. */
const claimsOfJwt = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { cnf?: { jkt: string } };

const ACCESS_MODES = [
  { transport: 'bearer', env: { TESSERA_COOKIE_MODE: 'off', TESSERA_DPOP: 'required', TESSERA_DPOP_ACCESS: 'on' } },
  { transport: 'cookie', env: { TESSERA_COOKIE_MODE: 'on', TESSERA_DPOP: 'optional', TESSERA_DPOP_ACCESS: 'on' } },
] as const;

describe.each(ACCESS_MODES)('the web app with DPoP-bound access tokens, $transport transport', ({ transport, env }) => {
  let server: WebServer;
  let context: BrowserContext;
  afterEach(async () => {
    await context.close();
    await server.close();
  });

  it('login, the profile and sessions pages, a reload and logout all work', { timeout: 30_000 }, async () => {
    server = await startWebServer(env);
    const alice = await server.createUser('alice', PASSWORD);
    context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    /** Every API request but the token endpoints': `METHOD path status`, its Authorization scheme, and its proof. */
    const calls: Array<Promise<string>> = [];
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (!path.startsWith('/api/') || path.startsWith('/api/token/') || path === '/api/csrf/') return;
      calls.push(
        response
          .request()
          .allHeaders()
          .then((headers) => {
            const scheme = headers.authorization?.split(' ')[0] ?? 'no authorization';
            const proof = headers.dpop === undefined ? 'no proof' : 'proof';
            return `${response.request().method()} ${path} ${response.status()} ${scheme} ${proof}`;
          }),
      );
    });
    const sessionsShown = async () => {
      await page.locator('header').getByRole('link', { name: 'Sessions' }).click();
      await page.locator('li.session.current .bound').waitFor();
    };

    await page.goto('/login');
    await logIn(page, 'alice', PASSWORD);
    await page.getByText('You are logged in to the homepage!').waitFor();
    await page.getByText('alice@example.com').waitFor();
    await sessionsShown();
    await page.reload();
    await page.locator('li.session.current .bound').waitFor();

    // Bearer: the token the app holds is bound to the key in IndexedDB. Cookie: the access cookie is not
    // (the page could not compute ath for it), while the session (its refresh) is.
    const key = (await storedKey(page))!;
    const sessions = await server.store.listSessions(alice.id, { includeRevoked: true });
    expect(sessions.map((s) => s.dpopJkt)).toEqual([thumbprintOf(key.publicJwk)]);
    if (transport === 'bearer') {
      const stored = await page.evaluate(() => localStorage.getItem('tessera.session'));
      const { access } = JSON.parse(stored!) as { access: string };
      expect(claimsOfJwt(access).cnf).toEqual({ jkt: thumbprintOf(key.publicJwk) });
    } else {
      const cookie = (await context.cookies()).find((c) => c.name.endsWith('tessera-access'))!;
      expect(claimsOfJwt(cookie.value).cnf).toBeUndefined();
    }

    await page.getByRole('button', { name: 'Logout' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect((await server.store.listSessions(alice.id, { includeRevoked: true }))[0]?.revokedAt).not.toBeNull();

    const seen = await Promise.all(calls);
    if (transport === 'bearer') {
      // After the reload the tab has no nonce: its first request is asked for one, and retried with it.
      expect(seen).toEqual([
        'GET /api/profile/ 200 DPoP proof',
        'GET /api/sessions/ 200 DPoP proof',
        'GET /api/sessions/ 401 DPoP proof',
        'GET /api/sessions/ 200 DPoP proof',
        'POST /api/auth/logout/ 205 DPoP proof',
      ]);
    } else {
      expect(seen).toEqual([
        'GET /api/profile/ 200 no authorization no proof',
        'GET /api/sessions/ 200 no authorization no proof',
        'GET /api/sessions/ 200 no authorization no proof',
        'POST /api/auth/logout/ 205 no authorization no proof',
      ]);
    }
  });
});
