// Forgotten passwords and verified addresses in Debian's Chromium, against a
// real tessera that mails a real SMTP server in the test process: each flow
// follows the link read out of the mail that arrived.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../packages/server/test/support/ports.js';
import { startTestSmtp, type TestSmtp } from '../../../packages/server/test/support/smtp.js';
import { launchBrowser, logIn, screenshot } from './support/browser.js';
import { startWebServer, type WebServer } from './support/server.js';

const PASSWORD = 'looking-glass-42';
const NEW_PASSWORD = 'through the looking glass';
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
});

/** The link to `page` (`/reset-password`, `/verify-email`) in a message's plain-text body. */
function linkIn(text: string | undefined, page: string): string {
  const match = new RegExp(`https?://\\S+${page}\\?token=[A-Za-z0-9_-]+`).exec(text ?? '');
  if (match === null) throw new Error(`no ${page} link in: ${text ?? ''}`);
  return match[0];
}

describe('the web app’s mail pages', () => {
  let server: WebServer;
  let smtp: TestSmtp;
  let context: BrowserContext;
  let page: Page;

  beforeEach(async () => {
    smtp = await startTestSmtp();
    const port = await freePort();
    server = await startWebServer(
      {
        TESSERA_SMTP_URL: smtp.url,
        TESSERA_EMAIL_FROM: 'no-reply@example.com',
        TESSERA_PUBLIC_URL: `http://127.0.0.1:${port}`,
        TESSERA_EMAIL_VERIFICATION: 'optional',
      },
      port,
    );
    await server.createUser('alice', PASSWORD, { emailVerified: true });
    context = await browser.newContext({ baseURL: server.url });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context.close();
    await server.close();
    await smtp.close();
  });

  const deliver = () => server.app.tessera.mail.deliverDue();
  /** Asks for a reset on /forgot-password as a user would, and returns the link from the `count`-th mail. */
  const askForResetLink = async (count = 1) => {
    await page.goto('/forgot-password');
    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('status').waitFor();
    await deliver();
    return linkIn((await smtp.message(count)).text, '/reset-password');
  };
  /** Fills and submits the reset form (the code first when there is no token in the URL). */
  const chooseNewPassword = async (password: string, code?: string) => {
    if (code !== undefined) await page.getByLabel('Code from the message').fill(code);
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('New password, again').fill(password);
    await page.getByRole('button', { name: 'Set the new password' }).click();
  };

  it('from "Forgot your password?" to a new password through the mailed link, then logs in', async () => {
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL((url) => url.pathname === '/forgot-password');
    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByRole('button', { name: 'Send the link' }).click();
    const status = page.getByRole('status');
    await status.waitFor();
    expect(await status.innerText()).toBe(
      'If an account has the address alice@example.com, a message with a link to choose a new password is on its way. ' +
        'The link works for 30 minutes, once.',
    );
    await screenshot(page, 'mail-01-forgot-password');

    await deliver();
    const link = linkIn((await smtp.message(1)).text, '/reset-password');
    expect(link.startsWith(`${server.url}/reset-password?token=`)).toBe(true);
    await page.goto(link);
    await screenshot(page, 'mail-02-reset-password');
    await chooseNewPassword(NEW_PASSWORD);
    await page.waitForURL((url) => url.pathname === '/login');
    expect(await page.getByRole('status').innerText()).toBe(
      'Your password has been reset and every session logged out. Log in with the new password.',
    );
    await logIn(page, 'alice', NEW_PASSWORD);
    await page.getByText('Hello alice!').waitFor();

    await page.getByRole('button', { name: 'Logout' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect(await page.getByRole('status').innerText()).toBe('You have been logged out.');
  });

  it('takes the code instead of the link, and offers a new link for a used one', async () => {
    const code = new URL(await askForResetLink()).searchParams.get('token') ?? '';
    const reset = async () => {
      await page.goto('/reset-password');
      await chooseNewPassword(NEW_PASSWORD, code);
    };
    await reset();
    await page.waitForURL((url) => url.pathname === '/login');
    await reset();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toBe(
      'This password reset link has already been used. Ask for a new one. Send me a new link',
    );
    expect(await alert.getByRole('link', { name: 'Send me a new link' }).getAttribute('href')).toBe('/forgot-password');
    await screenshot(page, 'mail-03-used-code');
  });

  it('refuses a weak password with the policy’s words, next to the field', async () => {
    await page.goto(await askForResetLink());
    await chooseNewPassword('alice_99');
    await page.locator('.field-errors').waitFor();
    expect(await page.locator('.field-errors li').allInnerTexts()).toEqual([
      'The password is too similar to the username.',
    ]);
    expect(await page.getByLabel('New password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  });

  it('verifies an address: the link asked for again, then a click on the page', async () => {
    await server.createUser('bob', PASSWORD);
    await page.goto('/verify-email');
    await page.getByLabel('Email').fill('bob@example.com');
    await page.getByRole('button', { name: 'Send the link again' }).click();
    await page.getByRole('status').waitFor();
    await deliver();
    await page.goto(linkIn((await smtp.message(1)).text, '/verify-email'));
    // Opening the link verified nothing: a mail scanner does as much.
    expect((await server.store.findUserByUsername('bob'))?.emailVerified).toBe(false);
    await screenshot(page, 'mail-04-verify-email');
    await page.getByRole('button', { name: 'Verify my address' }).click();
    const status = page.getByRole('status');
    await status.waitFor();
    expect(await status.innerText()).toBe('Your address is verified. Continue.');
    expect((await server.store.findUserByUsername('bob'))?.emailVerified).toBe(true);
  });
});
