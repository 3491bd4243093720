import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '@tessera/server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logIn } from './support/browser.js';
import { addUser } from './support/server.js';
import { serve, type ServeProcess } from './support/serve.js';

const PASSWORD = 'looking-glass-42';

describe('the web app under plain `tessera serve` (what production runs, no cookie settings)', () => {
  let browser: Browser;
  let server: ServeProcess;
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tessera-serve-defaults-'));
    const databaseUrl = `sqlite:${join(directory, 'tessera.sqlite')}`;
    const store = await openSqliteStore({ path: join(directory, 'tessera.sqlite') });
    await addUser(store, 'alice', PASSWORD, { firstName: 'Alice' });
    await store.close();
    server = await serve({
      DATABASE_URL: databaseUrl,
      TESSERA_SECRET_KEY: 'serve-defaults-secret-0123456789abcdef0123',
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps the login across a reload: cookie mode is the default, its Secure cookies kept on 127.0.0.1', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto('/login');
    await logIn(page, 'alice', PASSWORD);
    await page.getByText('Email: alice@example.com').waitFor();
    const cookies = await context.cookies();
    const kept = cookies.map(
      ({ name, path, secure, httpOnly }) => `${name} ${path} secure=${secure} httpOnly=${httpOnly}`,
    );
    expect(kept.sort()).toEqual([
      '__Host-tessera-access / secure=true httpOnly=true',
      '__Secure-tessera-refresh /api/auth/ secure=true httpOnly=true',
      '__Secure-tessera-refresh /api/csrf/ secure=true httpOnly=true',
      '__Secure-tessera-refresh /api/token/ secure=true httpOnly=true',
      'csrftoken / secure=true httpOnly=false',
    ]);
    await page.reload();
    await page.getByText('Email: alice@example.com').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await context.close();
  });
});
