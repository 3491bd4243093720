import { details } from '@tessera/protocol';
import type { FastifyInstance } from 'fastify';
import type { AuthContext } from '../auth/context.js';
import { AuthError } from '../errors.js';
import type { RouteSpec } from './route-spec.js';

interface PathEntry {
  allow: string[];
  name: string;
  description: string;
}

const normalise = (path: string): string => (path.endsWith('/') ? path : `${path}/`);

/**
 * Registers every route at each of its paths and answers what Fastify would
 * call "not found" the way DRF does: a known path with another method is 405
 * with `Allow`, OPTIONS on a known path describes it, and the rest is 404.
 * Register it before the CORS plugin, whose hooks must come after its own.
 */
export function registerRoutes(app: FastifyInstance, ctx: AuthContext, routes: readonly RouteSpec[]): void {
  const known = new Map<string, PathEntry>();
  for (const route of routes) {
    for (const [index, path] of route.paths.entries()) {
      app.route({
        method: route.method,
        url: path,
        // Aliases are served but documented once.
        schema: index === 0 ? route.schema : { ...route.schema, hide: true },
        handler: (request, reply) => route.handler(ctx, request, reply),
      });
      const entry = known.get(normalise(path)) ?? { allow: [], name: route.name, description: route.description };
      entry.allow.push(route.method);
      known.set(normalise(path), entry);
    }
  }
  for (const entry of known.values()) {
    if (entry.allow.includes('GET')) entry.allow.push('HEAD');
    entry.allow.push('OPTIONS');
  }

  const describe = (url: string) => known.get(normalise(url.split('?', 1)[0] ?? ''));
  const optionsBody = (entry: PathEntry) => ({
    name: entry.name,
    description: entry.description,
    renders: ['application/json'],
    parses: ['application/json', 'application/x-www-form-urlencoded'],
  });

  // A plain OPTIONS (not a CORS preflight, which the CORS plugin answers) describes the path.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] !== undefined) return;
    const entry = describe(request.url);
    if (entry !== undefined) await reply.header('allow', entry.allow.join(', ')).send(optionsBody(entry));
  });

  app.setNotFoundHandler(async (request, reply) => {
    const entry = describe(request.url);
    if (entry === undefined) {
      throw new AuthError(404, 'not_found', { detail: details.notFound, code: 'not_found' });
    }
    const allow = entry.allow.join(', ');
    if (request.method === 'OPTIONS') return reply.header('allow', allow).send(optionsBody(entry));
    throw new AuthError(405, 'method_not_allowed', { detail: `Method "${request.method}" not allowed.` }, { allow });
  });
}
