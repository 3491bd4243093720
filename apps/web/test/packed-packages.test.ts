// The packages as a user gets them: packed, installed from the tarballs into a
// fresh Vite + React app outside the repository, built, served on its own
// origin, and logged in through in Chromium against a `tessera serve` that
// allows that origin by CORS. About 25–35 s, most of it npm install (from
// npm's cache) and the type-check of the app against the tarballs' types.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '@tessera/server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logIn } from './support/browser.js';
import { buildPackedApp, packPackages, PACKAGES, serveStatic, type PackedTarball } from './support/packed-app.js';
import { serve, type ServeProcess } from './support/serve.js';
import { addUser } from './support/server.js';

const PASSWORD = 'looking-glass-42';
const PACKAGES_DIR = fileURLToPath(new URL('../../../packages/', import.meta.url));
/** Entry points a package.json names; nested conditions flattened. */
const targetsOf = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap(targetsOf);

describe('the packed packages in a fresh Vite + React app, across origins', () => {
  let directory: string;
  let tarballs: PackedTarball[];
  let app: { url: string; close(): Promise<void> };
  let tessera: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tessera-packed-'));
    const [packs, appDir] = [join(directory, 'packs'), join(directory, 'app')];
    mkdirSync(packs);
    mkdirSync(appDir);
    app = await serveStatic(join(appDir, 'dist'));
    const startTessera = async () => {
      const store = await openSqliteStore({ path: join(directory, 'tessera.sqlite') });
      await addUser(store, 'alice', PASSWORD);
      await store.close();
      return serve({
        DATABASE_URL: `sqlite:${join(directory, 'tessera.sqlite')}`,
        TESSERA_SECRET_KEY: 'packed-packages-secret-0123456789abcdef0123',
        TESSERA_CORS_ORIGINS: app.url,
      });
    };
    const packAndBuild = async () => {
      tarballs = await packPackages(packs);
      await buildPackedApp(appDir, packs, tarballs);
    };
    [tessera, browser] = await Promise.all([startTessera(), launchBrowser(), packAndBuild()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await tessera?.stop();
    await app?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('packs each package with its built code, its sources for the maps, and nothing of development', () => {
    expect(tarballs.map((t) => t.name)).toEqual(PACKAGES.map((name) => `@tessera/${name}`));
    for (const { name, files } of tarballs) {
      const paths = files.map((file) => file.path);
      expect(
        paths.filter((path) => !/^(package\.json|README\.md|(dist|src|bin)\/.+)$/.test(path)),
        name,
      ).toEqual([]);
      expect(
        paths.filter((path) => /(^|\/)test\/|\.test\.|\.tsbuildinfo$/.test(path)),
        name,
      ).toEqual([]);
      const manifest = JSON.parse(
        readFileSync(join(PACKAGES_DIR, name.slice('@tessera/'.length), 'package.json'), 'utf8'),
      ) as {
        main: string;
        types: string;
        exports: unknown;
        dependencies?: Record<string, string>;
      };
      const entries = [manifest.main, manifest.types, ...targetsOf(manifest.exports)].map((p) =>
        p.replace(/^\.\//, ''),
      );
      expect(
        entries.filter((entry) => !paths.includes(entry)),
        name,
      ).toEqual([]);
      expect(
        entries.filter((entry) => entry.startsWith('src/')),
        name,
      ).toEqual([]);
      const specs = Object.values(manifest.dependencies ?? {});
      expect(
        specs.filter((spec) => /^(file|link|workspace):|^\.{0,2}\//.test(spec)),
        name,
      ).toEqual([]);
    }
  });

  it('installs one React: the bindings take it as a peer', () => {
    const app = join(directory, 'app', 'node_modules');
    expect(existsSync(join(app, 'react'))).toBe(true);
    expect(existsSync(join(app, '@tessera/react/node_modules'))).toBe(false);
    expect(existsSync(join(app, '@tessera/client/node_modules'))).toBe(false);
  });

  it('logs in through the built app in Chromium, reads the profile across origins, and stays logged in on reload', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${app.url}/?api=${encodeURIComponent(tessera.url)}`);
    await logIn(page, 'alice', PASSWORD);
    await page.getByText('Logged in as alice').waitFor();
    await page.getByText('Email: alice@example.com').waitFor();
    await page.reload();
    await page.getByText('Email: alice@example.com').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
