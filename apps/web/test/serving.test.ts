import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, openSqliteStore, resolveConfig } from '@tessera/server';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const SECRET = 'web-test-secret-key-that-is-long-enough-0123456789';
const WEB_ROOT = fileURLToPath(new URL('../dist/', import.meta.url));
const apps: FastifyInstance[] = [];

async function appWith(webRoot: string, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = resolveConfig({ TESSERA_SECRET_KEY: SECRET, DATABASE_URL: 'sqlite::memory:', ...env });
  const store = await openSqliteStore({ path: ':memory:' });
  const app = await buildApp({ config, secretKey: SECRET, store, logger: false, webRoot });
  app.addHook('onClose', () => store.close());
  apps.push(app);
  return app;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('serving the built app', () => {
  it('answers GET / with the app to browsers and with the route listing to everyone else', async () => {
    const app = await appWith(WEB_ROOT);
    const page = await app.inject({ url: '/', headers: html });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers.vary).toBe('Accept');
    expect(page.body).toContain('<div id="root"></div>');
    for (const accept of [undefined, '*/*', 'application/json']) {
      const listing = await app.inject({ url: '/', headers: accept === undefined ? {} : { accept } });
      expect(listing.statusCode).toBe(200);
      expect(listing.json<{ name: string }>().name).toBe('tessera');
    }
  });

  it.each(['/login', '/sessions', '/password', '/register', '/no/such/page?x=1'])(
    'falls back to the app for the client-side route %s',
    async (url) => {
      const app = await appWith(WEB_ROOT);
      const page = await app.inject({ url, headers: html });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<div id="root"></div>');
    },
  );

  it.each(['/api/nope/', '/api', '/metricsx/../api/x', '/healthz/x', '/assets/missing.js'])(
    'keeps the JSON 404 for %s, even for a browser',
    async (url) => {
      const app = await appWith(WEB_ROOT);
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    },
  );

  it('answers POST to a page path as before: JSON 404', async () => {
    const app = await appWith(WEB_ROOT);
    const response = await app.inject({ method: 'POST', url: '/login', headers: html });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Not found.', code: 'not_found' });
  });

  it('serves the hashed assets as immutable', async () => {
    const app = await appWith(WEB_ROOT);
    const script = readdirSync(join(WEB_ROOT, 'assets')).find((name) => name.endsWith('.js'));
    const response = await app.inject({ url: `/assets/${script}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('tells the app whether registration is open, which transport to use, and whether to bind sessions (DPoP)', async () => {
    const closed = await appWith(WEB_ROOT, { TESSERA_COOKIE_MODE: 'on' });
    expect((await closed.inject({ url: '/web-config.json' })).json()).toEqual({
      registration: 'closed',
      transport: 'cookie',
      dpop: 'optional',
    });
    const open = await appWith(WEB_ROOT, {
      TESSERA_REGISTRATION: 'open',
      TESSERA_COOKIE_MODE: 'off',
      TESSERA_DPOP: 'off',
    });
    expect((await open.inject({ url: '/web-config.json' })).json()).toEqual({
      registration: 'open',
      transport: 'bearer',
      dpop: 'off',
    });
  });

  it('serves the API alone when the app is not built', async () => {
    const app = await appWith(mkdtempSync(join(tmpdir(), 'tessera-no-web-')));
    const root = await app.inject({ url: '/', headers: html });
    expect(root.json<{ name: string }>().name).toBe('tessera');
    expect((await app.inject({ url: '/login', headers: html })).statusCode).toBe(404);
  });

  it('does not serve the app under a path prefix', async () => {
    const app = await appWith(WEB_ROOT, { TESSERA_PATH_PREFIX: '/auth' });
    expect((await app.inject({ url: '/login', headers: html })).statusCode).toBe(404);
    expect((await app.inject({ url: '/auth/login', headers: html })).statusCode).toBe(404);
  });
});
