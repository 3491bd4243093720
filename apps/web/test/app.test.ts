import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, logIn, screenshot } from './support/browser.js';
import { startWebServer, type WebServer } from './support/server.js';

const PASSWORD = 'looking-glass-42';
/** Headless Chromium calls itself HeadlessChrome, which the session list shows as just "Linux". */
const CHROME_ON_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
});

/** The visible text a user reads, whitespace collapsed. */
const textOf = async (page: Page, selector: string) =>
  ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();

async function expectHomepage(page: Page): Promise<void> {
  await page.getByText('Email: alice@example.com').waitFor();
  expect(new URL(page.url()).pathname).toBe('/');
  expect(await page.locator('.profile p').allInnerTexts()).toEqual(['Name: Alice Liddell', 'Email: alice@example.com']);
  expect(await page.getByText('You are logged in to the homepage!').count()).toBe(1);
  expect(await textOf(page, '.hello')).toBe('Hello alice!');
}

describe('the web app, served by tessera in cookie mode', () => {
  let server: WebServer;
  let context: BrowserContext;
  let page: Page;

  // A server of its own for each test: the sessions one test leaves do not show in the next.
  beforeEach(async () => {
    server = await startWebServer();
    await server.createUser('alice', PASSWORD, { firstName: 'Alice', lastName: 'Liddell' });
    context = await browser.newContext({ baseURL: server.url, userAgent: CHROME_ON_LINUX });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context.close();
    await server.close();
  });

  it('sends a visitor to the login page, then logs in and shows the profile, with no token readable by scripts', async () => {
    await page.goto('/');
    await page.waitForURL((url) => url.pathname === '/login');
    expect(new URL(page.url()).search).toBe('?next=%2F');
    expect(await page.locator('header').getByRole('link', { name: 'Login' }).count()).toBe(1);
    expect(await textOf(page, '.aside pre')).toBe('npx tessera createuser --username alice');
    await screenshot(page, '01-login-page');

    await logIn(page, 'alice', PASSWORD);
    await expectHomepage(page);
    await screenshot(page, '02-homepage');

    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(await page.evaluate(() => document.cookie)).not.toContain('tessera-');
  });

  it('stays logged in across a reload', async () => {
    await page.goto('/login');
    await logIn(page, 'alice', PASSWORD);
    await expectHomepage(page);
    await page.reload();
    await expectHomepage(page);
    await screenshot(page, '03-after-reload');
  });

  it('shows the error for a wrong password and keeps what was typed', async () => {
    await page.goto('/login');
    await logIn(page, 'alice', 'not-the-password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toBe('Wrong username or password, or the account is inactive.');
    expect(await page.locator('input[name="username"]').inputValue()).toBe('alice');
    expect(await page.locator('input[name="password"]').inputValue()).toBe('not-the-password');
    expect(new URL(page.url()).pathname).toBe('/login');
    await screenshot(page, '04-wrong-password');
  });

  it('logs out to the login page, and a second tab follows', async () => {
    await page.goto('/login');
    await logIn(page, 'alice', PASSWORD);
    await expectHomepage(page);
    const second = await context.newPage();
    await second.goto('/');
    await expectHomepage(second);

    await page.getByRole('button', { name: 'Logout' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await second.waitForURL((url) => url.pathname === '/login');
    for (const tab of [page, second]) {
      await tab.getByRole('button', { name: 'Log in' }).waitFor();
      expect(await tab.locator('header').getByRole('link', { name: 'Login' }).count()).toBe(1);
      expect(await tab.locator('.hello').count()).toBe(0);
    }
    await screenshot(page, '05-logged-out');
    await screenshot(second, '06-second-tab-logged-out');
    // The cookies are gone too: the API refuses the browser now.
    const status = await page.evaluate(async () => (await fetch('/api/profile/')).status);
    expect(status).toBe(401);
  });

  it('sends the user to the login page when their session is revoked from another device', async () => {
    await page.goto('/login');
    await logIn(page, 'alice', PASSWORD);
    await expectHomepage(page);
    const other = await server.loginElsewhere('alice', PASSWORD);
    const listed = await fetch(`${server.url}/api/sessions/`, { headers: { authorization: `Bearer ${other.access}` } });
    const sessions = (await listed.json()) as { id: string; current: boolean }[];
    const browserSession = sessions.find((session) => !session.current);
    expect(sessions.length).toBe(2);
    const revoked = await fetch(`${server.url}/api/sessions/${browserSession?.id}/`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${other.access}` },
    });
    expect(revoked.status).toBe(204);

    await page.locator('header').getByRole('link', { name: 'Sessions' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect(await page.getByRole('status').innerText()).toBe('Your session has ended. Please log in again.');
    await screenshot(page, '07-revoked-elsewhere');
  });

  it('lists the sessions with the current one marked, revokes another, then all the others', async () => {
    page.on('dialog', (dialog) => void dialog.accept());
    const phone = await server.loginElsewhere('alice', PASSWORD);
    await page.goto('/login');
    await logIn(page, 'alice', PASSWORD);
    await expectHomepage(page);
    await page.locator('header').getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    const rows = page.locator('ul.sessions > li');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    const current = page.locator('li.session.current');
    expect(await current.locator('.badge').innerText()).toBe('This device');
    expect(await current.locator('.device').innerText()).toBe('Chrome on Linux');
    expect(await current.getByRole('button').count()).toBe(0);
    const firefox = page.locator('li.session:not(.current)');
    expect(await firefox.locator('.device').innerText()).toBe('Firefox on Linux');
    expect(await firefox.locator('dd').first().innerText()).toBe('127.0.0.1');
    await screenshot(page, '08-sessions');

    await firefox.getByRole('button', { name: /^Revoke the session on Firefox on Linux/ }).click();
    await page.getByText('Ended the session on Firefox on Linux.').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('ul.sessions > li').length === 1);
    const refused = await fetch(`${server.url}/api/token/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: phone.refresh }),
    });
    expect(refused.status).toBe(401);
    await screenshot(page, '09-session-revoked');

    await server.loginElsewhere('alice', PASSWORD);
    await server.loginElsewhere('alice', PASSWORD);
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('ul.sessions > li').length === 3);
    await page.getByRole('button', { name: 'Revoke all other sessions' }).click();
    await page.getByText('Ended 2 other sessions.').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('ul.sessions > li').length === 1);
    expect(await page.locator('li.session.current').count()).toBe(1);
    await screenshot(page, '10-others-revoked');
  });

  it('asks before ending a session, and keeps it when the answer is no', async () => {
    await server.loginElsewhere('alice', PASSWORD);
    await page.goto('/login');
    await logIn(page, 'alice', PASSWORD);
    await expectHomepage(page);
    await page.locator('header').getByRole('link', { name: 'Sessions' }).click();
    const firefox = page.locator('li.session:not(.current)');
    await firefox.waitFor();
    const questions: string[] = [];
    page.on('dialog', (dialog) => {
      questions.push(`${dialog.type()}: ${dialog.message()}`);
      void (questions.length === 1 ? dialog.dismiss() : dialog.accept());
    });
    const revoke = firefox.getByRole('button', { name: /^Revoke the session on Firefox on Linux/ });
    await revoke.click();
    await page.getByRole('button', { name: 'Revoke all other sessions' }).click();
    await page.getByText('Ended 1 other session.').waitFor();
    expect(questions).toEqual([
      'confirm: End the session on Firefox on Linux (127.0.0.1)? That device will be logged out.',
      'confirm: End every other session? Every other device will be logged out.',
    ]);
  });

  it('edits the names and the email, showing field errors from the server first', async () => {
    await page.goto('/login');
    await logIn(page, 'alice', PASSWORD);
    await expectHomepage(page);
    await page.getByRole('button', { name: 'Edit profile' }).click();
    const form = page.getByRole('form', { name: 'Edit profile' });
    expect(await form.getByLabel('First name').inputValue()).toBe('Alice');
    await form.getByLabel('Last name').fill('Hargreaves');
    // Past the browser's own check (type=email): the server's rule is stricter.
    await form.getByLabel('Email').fill('alice@localhost');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await form.getByText('Enter a valid email address.').waitFor();
    await screenshot(page, '15-profile-field-error');

    await form.getByLabel('Email').fill('alice@wonderland.example');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved.').waitFor();
    expect(await page.locator('.profile p').allInnerTexts()).toEqual([
      'Name: Alice Hargreaves',
      'Email: alice@wonderland.example',
    ]);
    expect(await form.count()).toBe(0);
    await screenshot(page, '16-profile-saved');
    const profile = await page.evaluate(async () => (await fetch('/api/profile/')).json() as Promise<unknown>);
    expect(profile).toEqual({
      username: 'alice',
      first_name: 'Alice',
      last_name: 'Hargreaves',
      email: 'alice@wonderland.example',
    });
  });

  it('works from the keyboard alone, and moves the focus to the page heading', async () => {
    await page.goto('/login');
    await page.locator('input[name="username"]').waitFor();
    // The username field has the focus on arrival.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('username');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await expectHomepage(page);
    expect(await page.evaluate(() => document.activeElement?.outerHTML)).toBe('<h1 tabindex="-1">Home</h1>');
    expect(await page.title()).toBe('Home · tessera');
  });

  it('changes the password, showing field errors from the server first', async () => {
    await page.goto('/password');
    await page.waitForURL((url) => url.pathname === '/login');
    expect(new URL(page.url()).search).toBe('?next=%2Fpassword');
    await logIn(page, 'alice', PASSWORD);
    await page.getByRole('heading', { name: 'Change password' }).waitFor();
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('12345678');
    await page.getByLabel('New password, again').fill('12345678');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('This password is entirely numeric.').waitFor();
    await screenshot(page, '12-password-field-error');

    await page.getByLabel('New password', { exact: true }).fill('through-the-mirror-7');
    await page.getByLabel('New password, again').fill('through-the-mirror-7');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed. Your other sessions have been logged out.').waitFor();
    await screenshot(page, '13-password-changed');
    const login = await fetch(`${server.url}/api/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'through-the-mirror-7' }),
    });
    expect(login.status).toBe(200);
  });
});

describe('the web app for a newcomer', () => {
  let server: WebServer;
  beforeAll(async () => {
    server = await startWebServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('has a favicon, served from the app', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    try {
      const page = await context.newPage();
      await page.goto('/login');
      const href = await page.locator('link[rel="icon"]').evaluate((link) => (link as HTMLLinkElement).href);
      const icon = await fetch(href);
      expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
      expect(await icon.text()).toMatch(/^<svg /);
    } finally {
      await context.close();
    }
  });

  it('shows "not set" for a name and an email the user has none of', async () => {
    await server.createUser('bob', PASSWORD, { email: '' });
    const context = await browser.newContext({ baseURL: server.url });
    try {
      const page = await context.newPage();
      await page.goto('/login');
      await logIn(page, 'bob', PASSWORD);
      await page.getByText('Hello bob!').waitFor();
      await page.locator('.profile').waitFor();
      expect(await page.locator('.profile p').allInnerTexts()).toEqual(['Name: not set', 'Email: not set']);
      await screenshot(page, '17-profile-not-set');
    } finally {
      await context.close();
    }
  });

  it('wraps the createuser command on a 375 px wide phone instead of letting it overflow', async () => {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 375, height: 740 } });
    try {
      const page = await context.newPage();
      await page.goto('/login');
      const command = page.locator('.aside pre');
      await command.waitFor();
      const widths = await command.evaluate((pre) => ({
        scroll: pre.scrollWidth,
        client: pre.clientWidth,
        page: document.documentElement.scrollWidth,
      }));
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      expect(widths.page).toBeLessThanOrEqual(375);
      await screenshot(page, '18-login-375px');
    } finally {
      await context.close();
    }
  });
});

describe('the web app with registration open', () => {
  it('creates an account and logs in with it', async () => {
    const server = await startWebServer({ TESSERA_REGISTRATION: 'open' });
    const context = await browser.newContext({ baseURL: server.url, userAgent: CHROME_ON_LINUX });
    try {
      const page = await context.newPage();
      await page.goto('/login');
      await page.getByRole('link', { name: 'Create one' }).click();
      await page.getByRole('heading', { name: 'Create an account' }).waitFor();
      await page.getByLabel('Username').fill('bob');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Email (optional)').fill('bob@example.com');
      await page.getByLabel('First name (optional)').fill('Bob');
      await page.getByLabel('Last name (optional)').fill('Builder');
      await screenshot(page, '14-register');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('Email: bob@example.com').waitFor();
      expect(await page.locator('.profile p').allInnerTexts()).toEqual(['Name: Bob Builder', 'Email: bob@example.com']);
      expect(await page.locator('.hello').innerText()).toBe('Hello bob!');
    } finally {
      await context.close();
      await server.close();
    }
  });
});

describe('the web app with a 2-second access token', () => {
  let server: WebServer;

  beforeAll(async () => {
    server = await startWebServer({ TESSERA_ACCESS_TOKEN_LIFETIME: '2' });
    await server.createUser('alice', PASSWORD, { firstName: 'Alice', lastName: 'Liddell' });
  });
  afterAll(async () => {
    await server.close();
  });

  /** The `exp` of the access token the page's client holds (it keeps the claims, never the token). */
  const heldExp = (page: Page) =>
    page.evaluate(() => {
      const stored = localStorage.getItem('tessera.session');
      return stored === null ? null : (JSON.parse(stored) as { claims: { exp: number } }).claims.exp;
    });

  it('keeps working across several expiries: no failed request, no overlapping refresh, never the login page', async () => {
    const context = await browser.newContext({ baseURL: server.url, userAgent: CHROME_ON_LINUX });
    const page = await context.newPage();
    const refreshes: { start: number; end: number; status: number }[] = [];
    const failures: string[] = [];
    const started = new Map<object, number>();
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/token/refresh/') started.set(request, Date.now());
    });
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path === '/api/token/refresh/') {
        refreshes.push({ start: started.get(response.request()) ?? 0, end: Date.now(), status: response.status() });
      } else if (path.startsWith('/api/') && response.status() >= 400) {
        failures.push(`${response.status()} ${path}`);
      }
    });
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(new URL(frame.url()).pathname);
    });

    await page.goto('/login');
    await logIn(page, 'alice', PASSWORD);
    await expectHomepage(page);
    const firstExp = (await heldExp(page)) ?? 0;
    // Three lifetimes on, by the client's own timer: wait on the token the page holds, not on a clock.
    await page.waitForFunction(
      (target) => {
        const stored = localStorage.getItem('tessera.session');
        return stored !== null && (JSON.parse(stored) as { claims: { exp: number } }).claims.exp >= target;
      },
      firstExp + 6,
      { timeout: 20_000 },
    );
    await expectHomepage(page);
    await page.locator('header').getByRole('link', { name: 'Sessions' }).click();
    await page.getByText('This device').waitFor();
    await page.locator('header').getByRole('link', { name: 'Home' }).click();
    await expectHomepage(page);
    await screenshot(page, '11-after-expiries');
    await context.close();

    expect(failures).toEqual([]);
    expect(refreshes.length).toBeGreaterThanOrEqual(3);
    expect(refreshes.filter((refresh) => refresh.status !== 200)).toEqual([]);
    for (let i = 1; i < refreshes.length; i += 1) {
      expect((refreshes[i]?.start ?? 0) >= (refreshes[i - 1]?.end ?? 0)).toBe(true);
      // No burst: a 2-second token is refreshed half a second before it expires, not on arrival.
      expect((refreshes[i]?.start ?? 0) - (refreshes[i - 1]?.start ?? 0)).toBeGreaterThanOrEqual(400);
    }
    // After the login, only the user's own clicks moved the page.
    expect(navigations.slice(navigations.indexOf('/'))).toEqual(['/', '/sessions', '/']);
  });
});
