import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { AuthContext } from '../auth/context.js';
import type { Awaitable } from '../awaitable.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One endpoint: its paths (the first is canonical, the rest aliases) and its handler. */
export interface RouteSpec {
  method: HttpMethod;
  paths: readonly string[];
  /** `bearer`: the handler requires an access token, checked before the method (as DRF does). */
  auth: 'none' | 'bearer';
  /** A short title, as DRF names a view. */
  name: string;
  description: string;
  schema: FastifySchema;
  /** May answer synchronously (a value, or a throw), which saves the hot paths a promise. */
  handler: (ctx: AuthContext, request: FastifyRequest, reply: FastifyReply) => Awaitable<unknown>;
}

/** Identity with type checking, so each route module reads as data. */
export function defineRoute(spec: RouteSpec): RouteSpec {
  return spec;
}

/** The same routes served under `prefix` (e.g. `/auth`). */
export function withPrefix(routes: readonly RouteSpec[], prefix: string): RouteSpec[] {
  return routes.map((route) => ({ ...route, paths: route.paths.map((path) => `${prefix}${path}`) }));
}
