import type { AccessClaims } from '@tessera/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/access.js';
import type { AuthContext } from '../auth/context.js';
import { andThen, type Awaitable } from '../awaitable.js';
import { AuthError } from '../errors.js';
import { requirePrincipal } from './authorization.js';
import type { RouteSpec } from './route-spec.js';
import { basic, bearer, bearerOrDpop } from './schemas.js';
import { requireService } from './service-authorization.js';

/** Largest request body accepted on any route. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/** Every method Fastify routes; those a path does not serve answer 405. */
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'QUERY'] as const;

/** What a path is, kept in each of its routes' config. */
interface PathInfo {
  allow: string;
  /**
   * What the path's other methods and OPTIONS require: a superuser when every
   * route does, staff when every route needs staff or more, a user when any
   * route needs one, a service when every route takes one.
   */
  auth: RouteSpec['auth'];
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
 * (401; 403 for a staff path and a caller who is not staff), then 405 with
 * `Allow`; a plain OPTIONS describes the path. Every answer carries `Allow`,
 * as DRF's views do. Anything else is 404. A protected route's handler runs
 * only with the principal this table authenticated, and its OpenAPI entry
 * says so: the declaration is the one place that decides.
 * Register it before the CORS plugin, whose hooks must run after these.
 */
export function registerRoutes(
  app: FastifyInstance,
  ctx: AuthContext,
  routes: readonly RouteSpec[],
  mountPrefix = '',
): void {
  const byPath = new Map<string, RouteSpec[]>();
  for (const route of routes) {
    for (const path of route.paths) byPath.set(path, [...(byPath.get(path) ?? []), route]);
  }

  for (const [path, served] of byPath) {
    const info = describePath(served);
    for (const route of served) {
      const handle = handlerOf(ctx, route, info.allow);
      const documented = route.paths[0] === path;
      const user = ctx.settings.dpopAccess ? bearerOrDpop : bearer;
      const security = route.auth === 'none' ? undefined : route.auth === 'service' ? basic : user;
      const schema = security === undefined ? route.schema : { ...route.schema, security };
      app.route({
        method: route.method,
        url: path,
        bodyLimit: BODY_LIMIT_BYTES,
        // HEAD is not part of the contract: it answers 405 like the other methods.
        exposeHeadRoute: false,
        // Aliases are served but documented once.
        schema: documented ? schema : { ...schema, hide: true },
        config: { path: info },
        handler: (request, reply) => handle(request, reply),
      });
    }
    const others = ALL_METHODS.filter((method) => !served.some((route) => route.method === method));
    app.route({
      method: [...others],
      url: path,
      bodyLimit: BODY_LIMIT_BYTES,
      schema: { hide: true },
      config: { path: info },
      async handler(request, reply) {
        void reply.header('allow', info.allow);
        if (info.auth !== 'none') await authenticateFor(ctx, request, info.auth);
        if (request.method === 'OPTIONS') return info.options;
        throw new AuthError('method_not_allowed', { detail: `Method "${request.method}" not allowed.` });
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
    const { auth } = info;
    const authenticated =
      auth === 'none' ? Promise.resolve() : Promise.resolve().then(() => authenticateFor(ctx, request, auth));
    authenticated.then(() => reply.send(info.options), done);
  });

  // Scoped to `mountPrefix`: mounted in a host app, tessera answers 404 for its own paths only.
  void app.register(
    (scope, _options, done) => {
      scope.setNotFoundHandler(() => {
        throw new AuthError('not_found');
      });
      done();
    },
    { prefix: mountPrefix },
  );
}

/** The route's handler, run only with the principal its declaration requires. */
function handlerOf(
  ctx: AuthContext,
  route: RouteSpec,
  allow: string,
): (request: FastifyRequest, reply: FastifyReply) => Awaitable<unknown> {
  return (request: FastifyRequest, reply: FastifyReply): Awaitable<unknown> => {
    void reply.header('allow', allow);
    switch (route.auth) {
      case 'none':
        return route.handler(ctx, request, reply);
      case 'service':
        return requireService(ctx, request).then((service) => route.handler(ctx, request, reply, service));
      default:
        return andThen(authorize(ctx, request, route.auth), (principal) => {
          // As app.authenticate does for the host's routes; the access log names the caller by it.
          request.user = principal.claims as unknown as AccessClaims;
          return route.handler(ctx, request, reply, principal);
        });
    }
  };
}

/**
 * The caller of a protected route, who must be staff for a staff route, or a service for a service route.
 * @throws {AuthError} 401 without valid credentials, 403 `permission_denied`.
 */
function authenticateFor(
  ctx: AuthContext,
  request: FastifyRequest,
  auth: Exclude<RouteSpec['auth'], 'none'>,
): Awaitable<unknown> {
  return auth === 'service' ? requireService(ctx, request) : authorize(ctx, request, auth);
}

/**
 * The caller of a user route, who must be staff for a staff route, and
 * staff and a superuser for a superuser route (Django's admin admits staff only).
 * @throws {AuthError} 401 without valid credentials, 403 `permission_denied`.
 */
function authorize(
  ctx: AuthContext,
  request: FastifyRequest,
  auth: 'user' | 'staff' | 'superuser',
): Awaitable<Principal> {
  const principal = requirePrincipal(ctx, request);
  if (auth === 'user') return principal;
  return andThen(principal, (caller) => {
    const { isStaff, isSuperuser } = caller.user;
    if (!isStaff || (auth === 'superuser' && !isSuperuser)) throw new AuthError('permission_denied');
    return caller;
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
    auth: authOfPath(served),
    options: {
      name: first.name,
      description: first.description,
      renders: ['application/json'],
      parses: ['application/json', 'application/x-www-form-urlencoded'],
      ...(Object.keys(actions).length > 0 ? { actions } : {}),
    },
  };
}

function authOfPath(served: readonly RouteSpec[]): RouteSpec['auth'] {
  if (served.every((route) => route.auth === 'superuser')) return 'superuser';
  if (served.every((route) => route.auth === 'staff' || route.auth === 'superuser')) return 'staff';
  if (served.every((route) => route.auth === 'service')) return 'service';
  if (served.some((route) => route.auth === 'user' || route.auth === 'staff' || route.auth === 'superuser')) {
    return 'user';
  }
  return 'none';
}

function bodyFieldsOf(route: RouteSpec): { names: string[]; required: readonly string[] } {
  const body = route.schema.body as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  return { names: Object.keys(body?.properties ?? {}), required: body?.required ?? [] };
}

function field(name: string, required: boolean): FieldDescription {
  const label = name.charAt(0).toUpperCase() + name.slice(1).replaceAll('_', ' ');
  return { type: 'string', required, read_only: false, label };
}
