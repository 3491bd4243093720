import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { WindowCounter } from '../rate-limit/window-counter.js';
import type { Store } from '../store/types.js';
import { AuthError } from '../errors.js';
import { answerClientError, answerFailedExpectations } from './client-errors.js';
import { connectionTimeouts, limitConnectionsPerAddress, limitPipelining } from './connection-limits.js';
import { appLogging, type LogOutput } from './log-format.js';
import { registerForwardedForCheck } from './forwarded-for.js';
import { tessera } from './tessera-plugin.js';

/** Requests one connection may have in flight; past it the connection is closed. */
const MAX_PIPELINED_REQUESTS = 16;

import { BODY_LIMIT_BYTES } from './route-table.js';

export { BODY_LIMIT_BYTES };

export interface AppOptions {
  config: Config;
  /** The signing key: `config.secretKey` or one from {@link ensureSecretKey}. */
  secretKey: string;
  store: Store;
  clock?: Clock;
  hasher?: PasswordHasher;
  /** false for silence, or Fastify's pino options (e.g. a `stream` to capture); by default, {@link appLogging}. */
  logger?: FastifyServerOptions['logger'];
  /** Where the default logger writes, pretty or JSON as `config.logFormat` says: process.stdout unless a test reads it. */
  logTo?: LogOutput;
  /** A built web app (apps/web/dist) to serve at `/`; none by default. See `registerWebApp`. */
  webRoot?: string | undefined;
  /** How often an idle revocation feed stream sends `: heartbeat`; 15 s unless a test says otherwise. */
  feedHeartbeatMs?: number;
  /** Unread bytes past which a revocation feed stream is cut; 1 MiB unless a test says otherwise. */
  feedMaxBacklogBytes?: number;
  /** Where mail is written without SMTP; `data/outbox` in the working directory by default. */
  outboxDirectory?: string;
  /** Rate-limit counters shared by the processes of one server (a `--workers` primary's); each process's own by default. */
  rateLimitCounter?: WindowCounter;
}

/**
 * Builds the tessera Fastify app without listening, so tests can `inject`:
 * the server-level guards (timeouts, connection limits, proxies) around the
 * {@link tessera} plugin.
 *
 * @example
 * ```ts
 * const app = await buildApp({ config, secretKey, store });
 * const res = await app.inject({ method: 'POST', url: '/api/token/', payload: { username, password } });
 * ```
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const logging =
    options.logger === undefined ? appLogging(config, options.logTo ?? process.stdout) : { logger: options.logger };
  const app = Fastify({
    ...logging,
    // The routes set these themselves (a host app keeps its own); here they also cover 404s and the docs.
    bodyLimit: BODY_LIMIT_BYTES,
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true },
    // X-Forwarded-For names the client only when the proxy that sent it is trusted.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    // A URL the router cannot decode never reaches the error handler.
    frameworkErrors: (_error, _request, reply) => {
      const malformed = new AuthError('parse_error');
      // Fastify types this reply without a route, which admits no status or body: cast.
      void reply.code(malformed.statusCode as never).send(malformed.body as never);
    },
    // What Node answers before Fastify sees a request, in the contract's shape.
    clientErrorHandler: (error, socket) => answerClientError(app.log, error, socket),
    ...connectionTimeouts(config),
  });
  answerFailedExpectations(app.server);
  limitConnectionsPerAddress(app.server, config.maxConnectionsPerAddress, config.trustedProxies);
  limitPipelining(app.server, MAX_PIPELINED_REQUESTS);
  if (config.trustedProxies.length > 0) registerForwardedForCheck(app);
  // Everything else is the plugin a host app mounts: `tessera serve` is that plugin in an app of its own.
  await app.register(tessera, {
    config,
    secretKey: options.secretKey,
    store: options.store,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.hasher === undefined ? {} : { hasher: options.hasher }),
    webRoot: options.webRoot,
    ...(options.feedHeartbeatMs === undefined ? {} : { feedHeartbeatMs: options.feedHeartbeatMs }),
    ...(options.feedMaxBacklogBytes === undefined ? {} : { feedMaxBacklogBytes: options.feedMaxBacklogBytes }),
    ...(options.outboxDirectory === undefined ? {} : { outboxDirectory: options.outboxDirectory }),
    ...(options.rateLimitCounter === undefined ? {} : { rateLimitCounter: options.rateLimitCounter }),
  });
  return app;
}
