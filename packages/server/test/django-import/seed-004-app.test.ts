// Seed 004's React client (./seed-004-app.html) in Chromium, against tessera
// serving a database imported from a real Django project (./fixture.ts, with
// the seed's Profile table): a Django user logs in with their Django
// password, sees their profile, stays logged in past the access token's
// lifetime because the client refreshes every 4 minutes, and logs out. Time
// is moved on both sides, tessera's clock and the page's, never waited for.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../../../apps/web/test/support/browser.js';
import { accessRefused } from '../support/answers.js';
import { djangoCheckingHasher } from '../support/hasher.js';
import { bearer, createTestServer, type TestServer } from '../support/server.js';
import { sqliteDjango, whyDjangoIsMissing, type DjangoFixture } from './fixture.js';
import { importInto, newTarget, type Target } from './targets.js';

const missing = whyDjangoIsMissing();
const PAGE = readFileSync(new URL('./seed-004-app.html', import.meta.url), 'utf8');
const MINUTE_MS = 60_000;
/** The page answers within a login's Django hash check; patience for a loaded machine. */
const POLL = { timeout: 10_000 };
/** The seed's interval, and tessera's default access token lifetime (the seed's SimpleJWT setting too). */
const REFRESH_EVERY_MS = 4 * MINUTE_MS;

interface Pair {
  access: string;
  refresh: string;
}

describe.skipIf(missing !== null)("seed 004's client against tessera over an imported Django database", () => {
  let django: DjangoFixture;
  let target: Target;
  let server: TestServer;
  let api: string;
  /** The seed's React dev server: every path answers the page (a single-page app), on an origin of its own. */
  let devServer: Server;
  let APP: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [django, browser] = await Promise.all([sqliteDjango(), launchBrowser()]);
    target = await newTarget('sqlite');
    expect((await importInto(target, django.from)).code).toBe(0);
    devServer = createServer((_, response) =>
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE.replace('__TESSERA__', api)),
    );
    await new Promise<void>((resolve) => devServer.listen(0, '127.0.0.1', resolve));
    // localhost, where the API is 127.0.0.1: two origins, as the seed's localhost:3000 and 127.0.0.1:8000.
    APP = `http://localhost:${(devServer.address() as { port: number }).port}`;
    server = await createTestServer(
      { TESSERA_CORS_ORIGINS: APP },
      { hasher: djangoCheckingHasher, store: await target.open() },
    );
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    api = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
    context = await browser.newContext();
    page = await context.newPage();
    await page.clock.install({ time: server.clock.now() });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    devServer?.close();
    target?.cleanup();
  });

  /** Lets `ms` pass for tessera and for the page (its timers fire), resolving with what the page sent on `path`. */
  const passTime = async (ms: number, path: string): Promise<Response> => {
    const answered = page.waitForResponse((r) => r.url() === api + path && r.request().method() === 'POST');
    server.clock.advance(ms / 1000);
    await page.clock.runFor(ms);
    return answered;
  };
  /** What the page keeps in localStorage as `authTokens` (this file's types have no DOM, hence the cast). */
  const storedPair = async () => {
    const stored = await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem(
        'authTokens',
      ),
    );
    return JSON.parse(stored ?? 'null') as Pair | null;
  };
  /** The pair the page stores once it has replaced `previous` (it stores after reading the answer). */
  const pairAfter = async (previous: Pair): Promise<Pair> => {
    await expect.poll(async () => (await storedPair())?.refresh, POLL).not.toBe(previous.refresh);
    return (await storedPair())!;
  };
  /** The page's load: its refresh at once, answered before the test goes on. */
  const load = async (url: string) => {
    const refreshed = page.waitForResponse(
      (r) => r.url() === `${api}/api/token/refresh/` && r.request().method() === 'POST',
    );
    await page.goto(url);
    return refreshed;
  };
  const logIn = async (username: string, password: string) => {
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill(password);
    await page.locator('input[type="submit"]').click();
  };
  const profileShown = async () => {
    await expect
      .poll(() => page.locator('main p').allInnerTexts(), POLL)
      .toEqual(['Name: Edna Profile', 'Email: edna@profile.example']);
    expect(await page.locator('header p').innerText()).toBe('Hello editor!');
    expect(new URL(page.url()).pathname).toBe('/');
  };

  it('asks for a login, refusing a wrong Django password with the detail', async () => {
    // Nothing stored: the load's refresh has no token to send, and the page stays on the login form.
    const refreshed = await load(`${APP}/`);
    expect([refreshed.status(), await refreshed.json()]).toEqual([400, { refresh: ['This field is required.'] }]);
    expect(new URL(page.url()).pathname).toBe('/login');
    await logIn('editor', 'not-the-django-password');
    await expect
      .poll(() => page.locator('[role=alert]').innerText(), POLL)
      .toBe('No active account found with the given credentials');
    expect(await storedPair()).toBeNull();
  });

  it("logs a Django user in with their Django password and shows the seed's Profile", async () => {
    const editor = django.users.find((user) => user.username === 'editor')!;
    expect(editor.algorithm).toBe('pbkdf2_sha256');
    await logIn('editor', editor.password!);
    await profileShown();
    expect(Object.keys((await storedPair())!).sort()).toEqual(['access', 'refresh']);
    // Upgraded at this login, as Django's must_update would.
    expect((await server.store.findUserByUsername('editor'))!.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('stays logged in past the access token lifetime by refreshing every 4 minutes', async () => {
    const first = (await storedPair())!;
    const refreshed = await passTime(REFRESH_EVERY_MS, '/api/token/refresh/');
    expect(refreshed.status()).toBe(200);
    const second = await pairAfter(first);
    expect(second.access).not.toBe(first.access);

    // Past the first access token's 5 minutes: tessera refuses it, and the page no longer holds it.
    server.clock.advance(2 * 60);
    await page.clock.runFor(2 * MINUTE_MS);
    const stale = await server.app.inject({ method: 'GET', url: '/api/profile', headers: bearer(first.access) });
    expect([stale.statusCode, stale.json()]).toEqual([401, accessRefused('Token is expired')]);

    // Reopened: the stored pair logs the user in again, the load refreshes it, the profile shows.
    const atLoad = await load(`${APP}/`);
    expect(atLoad.status()).toBe(200);
    await profileShown();
    let pair = await pairAfter(second);

    // Three more rounds of the interval: 18 minutes in, still logged in.
    for (let round = 0; round < 3; round += 1) {
      expect((await passTime(REFRESH_EVERY_MS, '/api/token/refresh/')).status()).toBe(200);
      pair = await pairAfter(pair);
    }
    await load(`${APP}/`);
    await profileShown();
  });

  it('logs out in the browser, as the seed does, and stays logged out when reopened', async () => {
    await page.locator('header a').click();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await storedPair()).toBeNull();
    expect(await page.locator('header').innerText()).toBe('Login');
    const refreshed = await load(`${APP}/`);
    expect(refreshed.status()).toBe(400);
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});
