import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { Principal } from '../auth/access.js';
import type { AuthContext } from '../auth/context.js';
import type { Awaitable } from '../awaitable.js';
import type { ServicePrincipal } from '../revocation/service-credentials.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface RouteBase {
  method: HttpMethod;
  /** The first is canonical, the rest aliases. */
  paths: readonly string[];
  /** A short title, as DRF names a view. */
  name: string;
  description: string;
  schema: FastifySchema;
}

/** An endpoint anyone may call. */
export interface PublicRoute extends RouteBase {
  auth: 'none';
  /** May answer synchronously (a value, or a throw), which saves the hot paths a promise. */
  handler: (ctx: AuthContext, request: FastifyRequest, reply: FastifyReply) => Awaitable<unknown>;
}

/**
 * An endpoint for a caller with a valid access token (`user`), who must also
 * be staff (`staff`) or a superuser (`superuser`). The route table authenticates before the handler runs,
 * as DRF checks before it dispatches, and hands the handler its principal:
 * a protected handler cannot run without one.
 */
export interface ProtectedRoute extends RouteBase {
  auth: 'user' | 'staff' | 'superuser';
  handler: (ctx: AuthContext, request: FastifyRequest, reply: FastifyReply, principal: Principal) => Awaitable<unknown>;
}

/**
 * An endpoint for a service (HTTP Basic with its name and secret, see
 * `tessera services create`). The route table checks the credentials before
 * the handler runs and hands it the service.
 */
export interface ServiceRoute extends RouteBase {
  auth: 'service';
  handler: (
    ctx: AuthContext,
    request: FastifyRequest,
    reply: FastifyReply,
    service: ServicePrincipal,
  ) => Awaitable<unknown>;
}

/** One endpoint: its paths, who may call it, and its handler. */
export type RouteSpec = PublicRoute | ProtectedRoute | ServiceRoute;

/** Identity with type checking, so each route module reads as data. */
export function defineRoute(spec: RouteSpec): RouteSpec {
  return spec;
}

/** The same routes served under `prefix` (e.g. `/auth`). */
export function withPrefix(routes: readonly RouteSpec[], prefix: string): RouteSpec[] {
  return routes.map((route) => ({ ...route, paths: route.paths.map((path) => `${prefix}${path}`) }));
}
