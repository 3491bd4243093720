import { paths } from '@tessera/protocol';
import { defineRoute, type RouteSpec } from '../route-spec.js';

export const healthRoute = defineRoute({
  method: 'GET',
  paths: [paths.health],
  auth: 'none',
  name: 'Health',
  description: 'Liveness: the process is up and serving.',
  schema: { tags: ['meta'], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } },
  handler: () => Promise.resolve({ status: 'ok' }),
});

export const readinessRoute = defineRoute({
  method: 'GET',
  paths: [paths.readiness],
  auth: 'none',
  name: 'Readiness',
  description: 'Readiness: the store answers. 503 while it does not.',
  schema: { tags: ['meta'] },
  async handler(ctx, _request, reply) {
    // Redis is reported but never makes an instance unready: without it, revocations use the log.
    const status = await ctx.redisStatus();
    const redis = status === undefined ? {} : { redis: status };
    try {
      await ctx.store.ping();
    } catch (error) {
      reply.log.warn({ err: error }, 'readiness check failed');
      return reply
        .code(503)
        .header('retry-after', '2')
        .send({ status: 'unavailable', store: 'unavailable', ...redis });
    }
    return { status: 'ok', store: 'ok', ...redis };
  },
});

/** `GET /`: the API's routes, as a DRF API root lists its endpoints. */
export function apiRootRoute(routes: readonly RouteSpec[], prefix: string): RouteSpec {
  const listing = routes.map((route) => ({
    path: route.paths[0],
    aliases: route.paths.slice(1),
    method: route.method,
    name: route.name,
    description: route.description,
  }));
  const body = {
    name: 'tessera',
    description: 'Self-hosted JWT authentication, wire-compatible with SimpleJWT.',
    docs: `${prefix}/api/docs/`,
    schema: `${prefix}/api/schema/`,
    routes: listing,
  };
  return defineRoute({
    method: 'GET',
    paths: ['/'],
    auth: 'none',
    name: 'API Root',
    description: "The API's routes.",
    schema: { tags: ['meta'] },
    handler: () => Promise.resolve(body),
  });
}
