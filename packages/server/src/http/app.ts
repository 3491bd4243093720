import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AuthContext } from '../auth/context.js';
import { createFailedRotations } from '../auth/failed-rotations.js';
import { createCsrfTokens } from '../cookie-mode/csrf-tokens.js';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createSuccessorIds, randomId } from '../ids.js';
import { watchLegacyHashes } from '../passwords/legacy-hashes.js';
import { createPasswordHasher } from '../passwords/password-hasher.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { Store } from '../store/types.js';
import { AuthError } from '../errors.js';
import { createTokenMinter } from '../tokens/claims.js';
import { createJwtCodec } from '../tokens/jwt.js';
import { createRevocationRuntime } from '../revocation/runtime.js';
import { registerBodyParsers } from './body.js';
import { answerClientError, answerFailedExpectations } from './client-errors.js';
import { connectionTimeouts, limitConnectionsPerAddress, limitPipelining } from './connection-limits.js';
import { installErrorHandler } from './error-handler.js';
import { appLogging, type LogOutput } from './log-format.js';
import { registerForwardedForCheck } from './forwarded-for.js';
import { gaugeFeedStreams, metricsPlugin } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { withPrefix } from './route-spec.js';
import { registerRoutes } from './route-table.js';
import { registerSecurityHeaders } from './security-headers.js';
import { createThrottle } from '../rate-limit/throttle.js';
import { registerWebApp } from './web-app.js';
import { auditListRoute } from './routes/audit.js';
import { csrfRoute } from './routes/csrf.js';
import { apiRootRoute, healthRoute, readinessRoute } from './routes/meta.js';
import { passwordChangeRoute } from './routes/password.js';
import { profileRoute, profileUpdateRoute } from './routes/profile.js';
import { registerRoute } from './routes/register.js';
import { logoutRoute, tokenRevokeAllRoute, tokenRevokeRoute } from './routes/revoke.js';
import { sessionListRoute, sessionRevokeOthersRoute, sessionRevokeRoute } from './routes/sessions.js';
import { revocationFeedRoute } from './routes/revocation-feed.js';
import { tokenBlacklistRoute } from './routes/token-blacklist.js';
import { tokenObtainRoute } from './routes/token-obtain.js';
import { tokenRefreshRoute } from './routes/token-refresh.js';
import { tokenVerifyRoute } from './routes/token-verify.js';

/** Requests one connection may have in flight; past it the connection is closed. */
const MAX_PIPELINED_REQUESTS = 16;

/** Largest request body accepted on any route. */
export const BODY_LIMIT_BYTES = 16 * 1024;

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
}

/** How often an idle revocation feed stream says it is alive, well inside proxies' idle timeouts (nginx: 60 s). */
const FEED_HEARTBEAT_MS = 15_000;
/** Unread bytes past which a feed stream is cut (about 8,000 events): its client resumes from its cursor. */
const FEED_MAX_BACKLOG_BYTES = 1 << 20;

const API_ROUTES = [
  tokenObtainRoute,
  tokenRefreshRoute,
  tokenVerifyRoute,
  tokenBlacklistRoute,
  tokenRevokeRoute,
  tokenRevokeAllRoute,
  logoutRoute,
  profileRoute,
  profileUpdateRoute,
  sessionListRoute,
  sessionRevokeRoute,
  sessionRevokeOthersRoute,
  passwordChangeRoute,
  registerRoute,
  auditListRoute,
  csrfRoute,
  revocationFeedRoute,
];

/**
 * Builds the tessera Fastify app without listening, so tests can `inject`.
 *
 * @example
 * ```ts
 * const app = await buildApp({ config, secretKey, store });
 * const res = await app.inject({ method: 'POST', url: '/api/token/', payload: { username, password } });
 * ```
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logging =
    options.logger === undefined ? appLogging(config, options.logTo ?? process.stdout) : { logger: options.logger };
  const app = Fastify({
    ...logging,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { ignoreTrailingSlash: true },
    // HEAD is not part of the contract: it answers 405 like the other methods.
    exposeHeadRoutes: false,
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
  const revocations = createRevocationRuntime(options.store, config, clock, app.log);
  app.addHook('onReady', () => revocations.start());
  const legacyHashes = watchLegacyHashes(options.store);
  app.addHook('onReady', () => legacyHashes.start());
  app.addHook('onClose', () => legacyHashes.stop());
  app.addHook('onClose', () => revocations.stop());
  // Open feed streams would hold the server's close until they end: end them first.
  app.addHook('preClose', (done) => {
    revocations.feedTail.close();
    done();
  });
  const jwt = createJwtCodec(options.secretKey);
  const throttle = createThrottle({
    limits: config.rateLimits,
    clock,
    redisUrl: config.redisUrl,
    warn: (message, error) => app.log.warn({ err: error }, message),
    onThrottled: (name) => app.metrics.throttled.inc({ route: name }),
  });
  app.addHook('onReady', () => throttle.start());
  app.addHook('onClose', () => throttle.close());
  const ctx: AuthContext = {
    store: revocations.store,
    sessions: revocations.sessions,
    revocationFeed: {
      tail: revocations.feedTail,
      heartbeatMs: options.feedHeartbeatMs ?? FEED_HEARTBEAT_MS,
      maxBacklogBytes: options.feedMaxBacklogBytes ?? FEED_MAX_BACKLOG_BYTES,
    },
    redisStatus: revocations.redisStatus,
    hasher: options.hasher ?? createPasswordHasher({ legacyHashesPresent: () => legacyHashes.present }),
    jwt,
    minter: createTokenMinter(jwt, config, clock),
    settings: config,
    clock,
    randomId,
    successorIds: createSuccessorIds(options.secretKey),
    failedRotations: createFailedRotations(),
    throttle,
    csrf: createCsrfTokens(options.secretKey),
  };

  await app.register(metricsPlugin);
  gaugeFeedStreams(app.metrics, () => revocations.feedTail.size);
  // Cookies are parsed when a handler reads one (`cookieOf`), not on every request.
  await app.register(cookie, { hook: false });
  registerSecurityHeaders(app, config.pathPrefix);
  installErrorHandler(app);
  registerBodyParsers(app);
  // Routes declare schemas for the docs; requests are validated by the
  // handlers, which give DRF's field errors rather than Ajv's.
  app.setValidatorCompiler(() => () => true);

  if (options.webRoot !== undefined) await registerWebApp(app, config, options.webRoot);
  await registerOpenApi(app, config.pathPrefix);
  const apiRoutes = withPrefix(API_ROUTES, config.pathPrefix);
  registerRoutes(app, ctx, [...apiRoutes, healthRoute, readinessRoute, apiRootRoute(apiRoutes, config.pathPrefix)]);
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...config.corsOrigins],
      credentials: true,
      methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-CSRFToken'],
      // Date lets clients correct for clock skew; Retry-After says when a throttled request may try again.
      exposedHeaders: ['Date', 'Retry-After'],
      maxAge: 600,
    });
  }
  return app;
}
