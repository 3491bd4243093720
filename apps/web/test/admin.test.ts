import { decodeJwtClaims } from '@tessera/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logIn, screenshot } from './support/browser.js';
import { startWebServer, type WebServer } from './support/server.js';

const PASSWORD = 'looking-glass-42';
const CHROME_ON_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const SAFARI_ON_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

let browser: Browser;
/** One server for the file: each test works on users of its own, so that none sees another's. */
let server: WebServer;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // Staff status in the tokens, for the header's link; permissions, to see a change reach the next token.
  [browser, server] = await Promise.all([
    launchBrowser(),
    startWebServer({ TESSERA_EXTRA_CLAIMS: 'role,permissions,is_staff,is_superuser' }),
  ]);
  await server.createUser('staff', PASSWORD, { isStaff: true, firstName: 'Sam', lastName: 'Staff' });
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});
afterAll(async () => {
  await browser.close();
  await server.close();
});

/** A new browser (its own cookies) logged in as `username`, on the homepage. */
async function loggedIn(
  username: string,
  viewport?: { width: number; height: number },
  on: WebServer = server,
): Promise<Page> {
  const context = await browser.newContext({
    baseURL: on.url,
    userAgent: CHROME_ON_LINUX,
    ...(viewport === undefined ? {} : { viewport }),
  });
  contexts.push(context);
  // A wait that fails names its locator, well before the test's own timeout.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto('/login');
  await logIn(page, username, PASSWORD);
  await page.getByRole('heading', { name: 'Home' }).waitFor();
  return page;
}

/** The text of the page's role="status" notice that says `text`, once it shows. */
async function statusSays(page: Page, text: string): Promise<void> {
  await page.getByRole('status').filter({ hasText: text }).waitFor();
}

/** The audit table's rows as [event, user, by]. */
async function auditRows(page: Page): Promise<string[][]> {
  const rows = page.getByRole('table', { name: 'Audit log' }).locator('tbody tr');
  return rows.evaluateAll((trs) =>
    trs.map((tr) =>
      ['Event', 'User', 'By'].map((label) => tr.querySelector(`td[data-label="${label}"]`)?.textContent ?? ''),
    ),
  );
}

describe('the admin console', () => {
  it("lets a staff member find a user and deactivate them, after a confirmation, ending that user's open session", async () => {
    const bob = await server.createUser('bob', PASSWORD, { email: 'bob@example.com' });
    await server.createUser('bobby', PASSWORD);
    const bobPage = await loggedIn('bob');
    const page = await loggedIn('staff');

    await page.locator('header').getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('search', { name: 'Find users' }).getByLabel('Search').fill('BOB');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.search === '?search=BOB');
    await statusSays(page, '2 users match.');
    const rows = page.getByRole('table', { name: 'Users' }).locator('tbody tr');
    expect(await rows.locator('td[data-label="Username"]').allInnerTexts()).toEqual(['bob', 'bobby']);
    await screenshot(page, 'admin-01-users-found');

    await rows.first().getByRole('link', { name: 'bob' }).click();
    await page.getByRole('heading', { name: 'User bob' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/admin/users/${bob.id}`);
    await page.getByRole('list', { name: 'Sessions of bob' }).locator('li').first().waitFor();

    const questions: string[] = [];
    page.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void (questions.length === 1 ? dialog.dismiss() : dialog.accept());
    });
    const deactivate = page.getByRole('button', { name: 'Deactivate' });
    await deactivate.click();
    expect(await server.store.findUserById(bob.id)).toMatchObject({ isActive: true });
    await deactivate.click();
    await statusSays(page, 'Deactivated bob: their sessions have ended.');
    expect(questions).toEqual([
      'Deactivate bob? They are logged out everywhere and cannot log in until reactivated.',
      'Deactivate bob? They are logged out everywhere and cannot log in until reactivated.',
    ]);
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();
    await page.getByText('No live sessions.').waitFor();
    await screenshot(page, 'admin-02-user-deactivated');

    // Bob's open page learns at its next request: within a second, it is on the login page.
    const started = Date.now();
    await bobPage.locator('header').getByRole('link', { name: 'Sessions' }).click();
    await bobPage.waitForURL((url) => url.pathname === '/login', { timeout: 1000 });
    expect(Date.now() - started).toBeLessThan(1000);
    await statusSays(bobPage, 'Your session has ended. Please log in again.');
    expect(await bobPage.evaluate(async () => (await fetch('/api/profile/')).status)).toBe(401);
    await screenshot(bobPage, 'admin-03-deactivated-user-logged-out');
  });

  it('reactivates a user, changes their permissions for their next token, ends one of their sessions, and reads their audit log', async () => {
    const dora = await server.createUser('dora', PASSWORD, { isActive: false, permissions: ['notes.view'] });
    const page = await loggedIn('staff');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`/admin/users/${dora.id}`);
    await page.getByRole('heading', { name: 'User dora' }).waitFor();

    await page.getByRole('button', { name: 'Reactivate' }).click();
    await statusSays(page, 'Reactivated dora: they can log in again.');
    const before = await server.loginElsewhere('dora', PASSWORD);
    expect(decodeJwtClaims(before.access)?.permissions).toEqual(['notes.view']);

    const rights = page.getByRole('form', { name: 'Rights' });
    // A staff member, not a superuser: the status flags are not theirs to change.
    expect(await rights.getByRole('checkbox', { name: 'Staff: may use this console' }).isDisabled()).toBe(true);
    await rights.getByLabel('Permissions').fill('articles.change\narticles.view');
    await rights.getByRole('button', { name: 'Save rights' }).click();
    await statusSays(page, 'Saved the rights of dora. Their sessions have ended');
    const refused = await fetch(`${server.url}/api/token/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: before.refresh }),
    });
    expect(refused.status).toBe(401);
    const phone = await server.loginElsewhere('dora', PASSWORD);
    expect(decodeJwtClaims(phone.access)?.permissions).toEqual(['articles.change', 'articles.view']);
    const laptop = await server.loginElsewhere('dora', PASSWORD, SAFARI_ON_MAC);

    await page.reload();
    const sessions = page.getByRole('list', { name: 'Sessions of dora' }).locator('li');
    await page.waitForFunction(() => document.querySelectorAll('[data-session-id]').length === 2);
    expect(await sessions.locator('.device').allInnerTexts()).toEqual(['Safari on macOS', 'Firefox on Linux']);
    expect(await sessions.first().locator('dd').last().innerText()).toBe('no');
    await screenshot(page, 'admin-04-user-sessions');
    await page.getByRole('button', { name: /^End the session on Firefox on Linux/ }).click();
    await statusSays(page, 'Ended the session on Firefox on Linux.');
    await page.waitForFunction(() => document.querySelectorAll('[data-session-id]').length === 1);
    const ended = await fetch(`${server.url}/api/profile/`, { headers: { authorization: `Bearer ${phone.access}` } });
    const alive = await fetch(`${server.url}/api/profile/`, { headers: { authorization: `Bearer ${laptop.access}` } });
    expect([ended.status, alive.status]).toEqual([401, 200]);

    await page.getByRole('link', { name: 'Every event of dora in the audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    expect(new URL(page.url()).search).toBe('?user=dora');
    await page.getByRole('table', { name: 'Audit log' }).waitFor();
    const rows = await auditRows(page);
    expect(rows.every(([, user]) => user === 'dora')).toBe(true);
    expect(rows.filter(([, , by]) => by === 'staff').map(([event]) => event)).toEqual([
      'session_revoked',
      'user_updated',
      'user_activated',
    ]);
    expect(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe(
      '/api/admin/audit/?user=dora&format=csv',
    );
    await screenshot(page, 'admin-05-audit-log');
  });

  it('shows a non-staff user no console link and "not allowed" at /admin, and the API answers 403', async () => {
    await server.createUser('carol', PASSWORD);
    const page = await loggedIn('carol');
    expect(await page.locator('header').getByRole('link', { name: 'Sessions' }).count()).toBe(1);
    expect(await page.locator('header').getByRole('link', { name: 'Admin' }).count()).toBe(0);

    await page.goto('/admin');
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    expect(await page.getByRole('alert').innerText()).toBe(
      'You are not allowed to use the admin console: it is for staff members.',
    );
    await screenshot(page, 'admin-06-not-allowed');
    const answers = await page.evaluate(async () =>
      Promise.all(
        ['/api/admin/users/', '/api/admin/audit/'].map(async (path) => {
          const response = await fetch(path);
          return [response.status, await response.json()] as [number, unknown];
        }),
      ),
    );
    const refused = { detail: 'You do not have permission to perform this action.', code: 'permission_denied' };
    expect(answers).toEqual([
      [403, refused],
      [403, refused],
    ]);
  });

  it('fits the users table in a 375 px wide screen, with no sideways scrolling', async () => {
    await server.createUser('eve-with-a-rather-long-username', PASSWORD, {
      email: 'eve.with.a.rather.long.address@subdomain.example.com',
    });
    const page = await loggedIn('staff', { width: 375, height: 740 });
    await page.locator('header').getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('table', { name: 'Users' }).waitFor();
    const widths = await page.evaluate(() => ({
      document: document.documentElement.scrollWidth,
      viewport: document.documentElement.clientWidth,
    }));
    expect(widths.document).toBeLessThanOrEqual(widths.viewport);
    await screenshot(page, 'admin-07-users-375px');
  });

  it('asks the API who is staff when the tokens do not say: the console opens for staff, and the header has no link', async () => {
    const plain = await startWebServer();
    try {
      await plain.createUser('staff', PASSWORD, { isStaff: true });
      await plain.createUser('frank', PASSWORD);
      const page = await loggedIn('staff', undefined, plain);
      expect(await page.locator('header').getByRole('link', { name: 'Admin' }).count()).toBe(0);
      await page.goto('/admin');
      await page.getByRole('table', { name: 'Users' }).waitFor();
      // A staff member, not a superuser: no delete.
      await page.getByRole('link', { name: 'frank' }).click();
      await page.getByRole('heading', { name: 'User frank' }).waitFor();
      expect(await page.getByRole('button', { name: 'Delete user' }).count()).toBe(0);
      const other = await loggedIn('frank', undefined, plain);
      await other.goto('/admin');
      await other.getByRole('heading', { name: 'Not allowed' }).waitFor();
    } finally {
      await Promise.all(contexts.splice(0).map((context) => context.close()));
      await plain.close();
    }
  });
});
