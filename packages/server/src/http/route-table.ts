import { details } from '@tessera/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../auth/context.js';
import { AuthError } from '../errors.js';
import { requirePrincipal } from './authorization.js';
import type { RouteSpec } from './route-spec.js';

/** Every method Fastify routes; those a path does not serve answer 405. */
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'QUERY'] as const;

/** What a path is, kept in each of its routes' config. */
interface PathInfo {
  allow: string;
  protected: boolean;
  options: OptionsBody;
}

interface OptionsBody {
  name: string;
  description: string;
  renders: string[];
  parses: string[];
  actions?: Record<string, Record<string, FieldDescription>>;
}

interface FieldDescription {
  type: 'string';
  required: boolean;
  read_only: false;
  label: string;
}

/**
 * Registers every route at each of its paths, and for each path the other
 * methods, answered as DRF answers them: protected paths authenticate first
 * (401), then 405 with `Allow`; a plain OPTIONS describes the path. Every
 * answer carries `Allow`, as DRF's views do. Anything else is 404.
 * Register it before the CORS plugin, whose hooks must run after these.
 */
export function registerRoutes(app: FastifyInstance, ctx: AuthContext, routes: readonly RouteSpec[]): void {
  const byPath = new Map<string, RouteSpec[]>();
  for (const route of routes) {
    for (const path of route.paths) byPath.set(path, [...(byPath.get(path) ?? []), route]);
  }

  for (const [path, served] of byPath) {
    const info = describePath(served);
    for (const route of served) {
      const documented = route.paths[0] === path;
      app.route({
        method: route.method,
        url: path,
        // Aliases are served but documented once.
        schema: documented ? route.schema : { ...route.schema, hide: true },
        config: { path: info },
        handler: (request, reply) => route.handler(ctx, request, reply.header('allow', info.allow)),
      });
    }
    const others = ALL_METHODS.filter((method) => !served.some((route) => route.method === method));
    app.route({
      method: [...others],
      url: path,
      schema: { hide: true },
      config: { path: info },
      async handler(request, reply) {
        void reply.header('allow', info.allow);
        if (info.protected) await requirePrincipal(ctx, request);
        if (request.method === 'OPTIONS') return info.options;
        throw new AuthError(405, 'method_not_allowed', { detail: `Method "${request.method}" not allowed.` });
      },
    });
  }

  // A plain OPTIONS (not a CORS preflight, which the CORS plugin answers)
  // must reach its route even when the CORS plugin's hook would refuse it.
  // Callback style: an async hook would cost every other request a promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] !== undefined) return done();
    const info = pathInfoOf(request);
    if (info === undefined) return done();
    void reply.header('allow', info.allow);
    const authenticated = info.protected
      ? Promise.resolve().then(() => requirePrincipal(ctx, request))
      : Promise.resolve();
    authenticated.then(() => reply.send(info.options), done);
  });

  app.setNotFoundHandler(() => {
    throw new AuthError(404, 'not_found', { detail: details.notFound, code: 'not_found' });
  });
}

function pathInfoOf(request: FastifyRequest): PathInfo | undefined {
  return (request.routeOptions.config as { path?: PathInfo }).path;
}

function describePath(served: readonly RouteSpec[]): PathInfo {
  const methods: string[] = served.map((route) => route.method);
  const first = served[0] as RouteSpec;
  const actions: Record<string, Record<string, FieldDescription>> = {};
  for (const route of served) {
    const { names, required } = bodyFieldsOf(route);
    if (names.length > 0) {
      actions[route.method] = Object.fromEntries(names.map((name) => [name, field(name, required.includes(name))]));
    }
  }
  return {
    allow: [...methods, 'OPTIONS'].join(', '),
    protected: served.some((route) => route.auth === 'bearer'),
    options: {
      name: first.name,
      description: first.description,
      renders: ['application/json'],
      parses: ['application/json', 'application/x-www-form-urlencoded'],
      ...(Object.keys(actions).length > 0 ? { actions } : {}),
    },
  };
}

function bodyFieldsOf(route: RouteSpec): { names: string[]; required: readonly string[] } {
  const body = route.schema.body as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  return { names: Object.keys(body?.properties ?? {}), required: body?.required ?? [] };
}

function field(name: string, required: boolean): FieldDescription {
  const label = name.charAt(0).toUpperCase() + name.slice(1).replaceAll('_', ' ');
  return { type: 'string', required, read_only: false, label };
}
