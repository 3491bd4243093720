import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

/** Paths that belong to the server, never to the app's client-side routes. */
const SERVER_PATHS = ['/api/', '/api', '/healthz', '/readyz', '/metrics', '/assets/'];

/** What the app needs to know before anyone logs in; served at `/web-config.json`. */
export interface WebConfig {
  registration: 'open' | 'closed';
  /**
   * `cookie` in cookie mode (no token reaches page scripts); otherwise `bearer`: tokens in memory, or in
   * local storage when the session is device-bound (DPoP).
   */
  transport: 'cookie' | 'bearer';
  /** `TESSERA_DPOP`: the app binds its sessions to a device key unless it is `off`. */
  dpop: Config['dpop'];
}

/**
 * Serves the built web app (apps/web/dist) from the API's origin:
 * `/assets/*` as immutable files, `/web-config.json`, and `index.html` for any
 * other GET a browser sends for a page (its `Accept` names `text/html`) that
 * no route answers, so client-side routes survive a reload. `GET /` keeps
 * answering JSON (the route listing) to clients that do not ask for HTML.
 * Without a path prefix only: with `TESSERA_PATH_PREFIX` the app is not served.
 *
 * @returns whether the app is served: false when `root` has no `index.html` (not built) or a prefix is set.
 * @example
 * ```ts
 * if (!(await registerWebApp(app, config, '/srv/tessera-web'))) app.log.info('web app not built');
 * ```
 */
export async function registerWebApp(app: FastifyInstance, config: Config, root: string): Promise<boolean> {
  if (!webAppServable(config, root)) return false;
  const indexPath = join(root, 'index.html');
  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    // Vite names every asset by its content hash: a name never changes meaning.
    immutable: true,
    maxAge: '365d',
  });
  const webConfig: WebConfig = {
    registration: config.registrationOpen ? 'open' : 'closed',
    transport: config.cookieMode ? 'cookie' : 'bearer',
    dpop: config.dpop,
  };
  app.get('/web-config.json', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-store').send(webConfig),
  );
  // Callback style: an async hook would cost every API request a promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (!wantsAppPage(request)) return done();
    // Read on each request: a rebuild while the server runs is picked up, and the file is small.
    readFile(indexPath, 'utf8').then(
      (html) =>
        reply.header('cache-control', 'no-cache').header('vary', 'Accept').type('text/html; charset=utf-8').send(html),
      done,
    );
  });
  return true;
}

/** Whether {@link registerWebApp} would serve the app in `root`: it is built and no path prefix is set. */
export function webAppServable(config: Pick<Config, 'pathPrefix'>, root: string): boolean {
  return config.pathPrefix === '' && existsSync(join(root, 'index.html'));
}

/** A browser's GET for a page: `/` or a path no server route answers, outside the server's own paths. */
function wantsAppPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  if (!(request.headers.accept ?? '').includes('text/html')) return false;
  const path = request.url.split('?', 1)[0] ?? '/';
  if (SERVER_PATHS.some((prefix) => path === prefix || path.startsWith(prefix))) return false;
  return path === '/' || request.routeOptions.url === undefined;
}

/**
 * The built app of the `@tessera/web` package, found as Node finds any
 * installed package (in this repository, the workspace's link to apps/web).
 * Undefined when it is not installed.
 */
export function installedWebApp(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@tessera/web/package.json')), 'dist');
  } catch {
    return undefined;
  }
}
