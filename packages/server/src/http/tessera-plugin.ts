import cookie from '@fastify/cookie';
import { createLegacySimplejwt } from '../legacy/simplejwt.js';
import cors from '@fastify/cors';
import type { AccessClaims } from '@tessera/protocol';
// `request.user` and `app.authenticate` as @tessera/verify/fastify's guards type them; type-only,
// so that `tessera serve` does not load the verifier and jose at start.
import type {} from '@tessera/verify/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthContext } from '../auth/context.js';
import { createFailedRotations } from '../auth/failed-rotations.js';
import { systemClock, type Clock } from '../clock.js';
import { resolveConfig, type Config } from '../config.js';
import { createCsrfTokens } from '../cookie-mode/csrf-tokens.js';
import { createDpopNonces } from '../dpop/nonce.js';
import { AuthError } from '../errors.js';
import { createSuccessorIds, randomId } from '../ids.js';
import { watchLegacyHashes } from '../passwords/legacy-hashes.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import { createPasswordHasher } from '../passwords/password-hasher.js';
import { createThrottle } from '../rate-limit/throttle.js';
import type { WindowCounter } from '../rate-limit/window-counter.js';
import { createRevocationRuntime } from '../revocation/runtime.js';
import { ensureSecretKey } from '../secret-key.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { createTokenMinter } from '../tokens/claims.js';
import { createJwtCodec } from '../tokens/jwt.js';
import { createKeyRing, type KeyRing } from '../keys/ring.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { requirePrincipal } from './authorization.js';
import { registerBodyParsers } from './body.js';
import { installErrorHandler, sendError, storeUnavailable } from './error-handler.js';
import { gaugeFeedStreams, metricsPlugin, type Metrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { withPrefix } from './route-spec.js';
import { registerRoutes } from './route-table.js';
import { registerSecurityHeaders } from './security-headers.js';
import { registerWebApp } from './web-app.js';
import { adminUserDeleteRoute, adminUserRoute, adminUserUpdateRoute } from './routes/admin-user.js';
import {
  adminPasswordRoute,
  adminSessionListRoute,
  adminSessionRevokeAllRoute,
  adminSessionRevokeRoute,
} from './routes/admin-user-actions.js';
import { adminUserCreateRoute, adminUserListRoute } from './routes/admin-users.js';
import { auditListRoute } from './routes/audit.js';
import { csrfRoute } from './routes/csrf.js';
import { jwksRoute, metadataRoute } from './routes/discovery.js';
import { apiRootRoute, healthRoute, readinessRoute } from './routes/meta.js';
import { resendVerificationRoute, verifyEmailRoute } from './routes/email-verification.js';
import { passwordChangeRoute } from './routes/password.js';
import { passwordResetConfirmRoute, passwordResetRoute } from './routes/password-reset.js';
import { profileRoute, profileUpdateRoute } from './routes/profile.js';
import { registerRoute } from './routes/register.js';
import { revocationFeedRoute } from './routes/revocation-feed.js';
import { logoutRoute, tokenRevokeAllRoute, tokenRevokeRoute } from './routes/revoke.js';
import { sessionListRoute, sessionRevokeOthersRoute, sessionRevokeRoute } from './routes/sessions.js';
import { tokenBlacklistRoute } from './routes/token-blacklist.js';
import { tokenObtainRoute } from './routes/token-obtain.js';
import { tokenRefreshRoute } from './routes/token-refresh.js';
import { tokenVerifyRoute } from './routes/token-verify.js';

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
  passwordResetRoute,
  passwordResetConfirmRoute,
  registerRoute,
  verifyEmailRoute,
  resendVerificationRoute,
  auditListRoute,
  adminUserListRoute,
  adminUserCreateRoute,
  adminUserRoute,
  adminUserUpdateRoute,
  adminUserDeleteRoute,
  adminPasswordRoute,
  adminSessionListRoute,
  adminSessionRevokeRoute,
  adminSessionRevokeAllRoute,
  csrfRoute,
  jwksRoute,
  metadataRoute,
  revocationFeedRoute,
];

/** How often an idle revocation feed stream says it is alive, well inside proxies' idle timeouts (nginx: 60 s). */
const FEED_HEARTBEAT_MS = 15_000;
/** Unread bytes past which a feed stream is cut (about 8,000 events): its client resumes from its cursor. */
const FEED_MAX_BACKLOG_BYTES = 1 << 20;

type Env = Readonly<Record<string, string | undefined>>;

export interface TesseraPluginOptions {
  /**
   * Where tessera's API is mounted in the host app, e.g. `/auth`. Fastify
   * ignores `prefix` for a plugin that decorates its host, so tessera reads it.
   */
  prefix?: string;
  /**
   * tessera's settings by their environment variable names (`DATABASE_URL`,
   * `TESSERA_SECRET_KEY`, …), validated exactly as `tessera serve` validates
   * them; `process.env` when neither this nor `config` is given.
   */
  env?: Env;
  /** Settings already resolved (by `resolveConfig`); `env` is then ignored. */
  config?: Config;
  /** The signing key; by default `TESSERA_SECRET_KEY`, or the development key `tessera serve` would use. */
  secretKey?: string;
  /** An open store, which tessera then neither migrates nor closes; by default the one `DATABASE_URL` names. */
  store?: Store;
  clock?: Clock;
  hasher?: PasswordHasher;
  /** A built web app to serve at `/` (standalone only); none by default. */
  webRoot?: string | undefined;
  /** How often an idle revocation feed stream sends `: heartbeat`; 15 s unless a test says otherwise. */
  feedHeartbeatMs?: number;
  /** Unread bytes past which a revocation feed stream is cut; 1 MiB unless a test says otherwise. */
  feedMaxBacklogBytes?: number;
  /** Where mail is written without SMTP; `data/outbox` in the working directory by default. */
  outboxDirectory?: string;
  /**
   * Rate-limit counters shared by the processes of one server (`tessera serve
   * --workers N` passes its primary's); this process's own by default. Redis,
   * when configured, is used first either way.
   */
  rateLimitCounter?: WindowCounter;
}

/**
 * What tessera adds to the host app besides `app.authenticate` and
 * `request.user`, which it shares with `@tessera/verify/fastify` (so its
 * guards, `requirePermission` and the rest, work here too).
 */
export interface TesseraHandle {
  metrics: Metrics;
  config: Config;
  /** The mail outbox's sender: `deliverDue()` sends what is due now (operators' tools and tests). */
  mail: Mailer;
}

declare module 'fastify' {
  interface FastifyInstance {
    tessera: TesseraHandle;
    /** This instance's signing keys: operators' tools and tests reload or check them without waiting for the timer. */
    signingKeys: Pick<KeyRing, 'reload' | 'check' | 'keys' | 'publicKeys' | 'algorithms'>;
  }
}

/**
 * tessera inside a Fastify app, as SimpleJWT lives inside a Django project:
 * its API under `prefix`, with its own body parsing, errors and headers kept
 * to its routes, and `app.authenticate` for the host's routes: a valid
 * access token of a live session, or the contract's 401. It reads tessera's
 * session cache, so a logout through the mounted API is refused on the next
 * request; it sets `request.user` to the token's claims.
 * `tessera serve` is this plugin in an app of its own ({@link buildApp}).
 *
 * @example
 * ```ts
 * const app = Fastify();
 * await app.register(tessera, { prefix: '/auth', env: { DATABASE_URL: 'sqlite:./data/app.sqlite', TESSERA_SECRET_KEY } });
 * app.get('/notes', { preHandler: app.authenticate }, (request) => notesOf(request.user!.user_id));
 * app.get('/drafts', { preHandler: requirePermission('notes.view') }, listDrafts);
 * ```
 */
export const tessera = fp<TesseraPluginOptions>(
  async (host, options) => {
    const mountPrefix = options.prefix ?? '';
    const resolved = options.config ?? resolveConfig(options.env ?? process.env);
    // Mounted, everything tessera serves sits under the mount, as its path prefix.
    const config: Config =
      mountPrefix === '' ? resolved : { ...resolved, pathPrefix: mountPrefix + resolved.pathPrefix };
    const store = options.store ?? (await openOwnStore(host, config));
    const secretKey = options.secretKey ?? ensureSecretKey(config, (message) => host.log.warn(message));
    const clock = options.clock ?? systemClock;

    // The ring loads again when any instance revokes a key or changes the set (a failed load was logged).
    const keysChanged = () => void ring.reload().catch(() => undefined);
    const revocations = createRevocationRuntime(store, config, clock, host.log, keysChanged);
    const ring: KeyRing = createKeyRing({
      store: revocations.store,
      secretKey,
      settings: config,
      clock,
      log: host.log,
    });
    const legacyHashes = watchLegacyHashes(store);
    const jwt = createJwtCodec(() => ring.keys(), clock);
    let metrics: Metrics | undefined;
    const throttle = createThrottle({
      limits: config.rateLimits,
      clock,
      redisUrl: config.redisUrl,
      warn: (message, error) => host.log.warn({ err: error }, message),
      onThrottled: (name) => metrics?.throttled.inc({ route: name }),
      ...(options.rateLimitCounter === undefined ? {} : { shared: options.rateLimitCounter }),
    });
    host.addHook('onReady', () => revocations.start());
    // After the revocation channel: the keys a first start makes are announced on it.
    host.addHook('onReady', () => ring.start());
    host.addHook('onClose', () => ring.stop());
    host.addHook('onReady', () => legacyHashes.start());
    host.addHook('onReady', () => throttle.start());
    host.addHook('onClose', () => legacyHashes.stop());
    host.addHook('onClose', () => revocations.stop());
    // Open feed streams would hold the server's close until they end: end them first.
    host.addHook('preClose', (done) => {
      revocations.feedTail.close();
      done();
    });
    host.addHook('onClose', () => throttle.close());
    const mailer = createMailer({
      config,
      store: revocations.store,
      clock,
      log: host.log,
      outboxDirectory: options.outboxDirectory,
    });
    host.addHook('onReady', () => mailer.start());
    host.addHook('onClose', () => mailer.stop());
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
      keys: ring,
      minter: createTokenMinter(jwt, config, clock),
      settings: config,
      clock,
      randomId,
      successorIds: createSuccessorIds(secretKey),
      failedRotations: createFailedRotations(),
      legacySimplejwt: createLegacySimplejwt(config, config.leewaySeconds, clock),
      throttle,
      csrf: createCsrfTokens(secretKey),
      mail: mailer,
      dpopNonces: createDpopNonces(secretKey, clock),
    };

    // Encapsulated: the parsers, error handler, hooks and 404 below are tessera's routes' alone.
    await host.register(async (api) => {
      await api.register(metricsPlugin);
      metrics = api.metrics;
      gaugeFeedStreams(api.metrics, () => revocations.feedTail.size);
      // Cookies are parsed when a handler reads one (`cookieOf`), not on every request.
      await api.register(cookie, { hook: false });
      registerSecurityHeaders(api, config.pathPrefix);
      installErrorHandler(api);
      registerBodyParsers(api);
      // Routes declare schemas for the docs; requests are validated by the
      // handlers, which give DRF's field errors rather than Ajv's.
      api.setValidatorCompiler(() => () => true);
      if (options.webRoot !== undefined && mountPrefix === '') await registerWebApp(api, config, options.webRoot);
      await registerOpenApi(api, config.pathPrefix, config.dpopAccess);
      const apiRoutes = withPrefix(API_ROUTES, config.pathPrefix);
      // Standalone, probes stay at the root where orchestrators look; mounted, the host owns the root.
      const metaRoutes = withPrefix([healthRoute, readinessRoute], mountPrefix);
      const root = withPrefix([apiRootRoute(apiRoutes, config.pathPrefix)], mountPrefix);
      registerRoutes(api, ctx, [...apiRoutes, ...metaRoutes, ...root], mountPrefix);
      if (config.corsOrigins.length > 0) {
        await api.register(cors, {
          origin: [...config.corsOrigins],
          credentials: true,
          methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
          allowedHeaders: ['Authorization', 'Content-Type', 'X-CSRFToken', 'DPoP'],
          // Date lets clients correct for clock skew; Retry-After says when a throttled request may try again;
          // DPoP-Nonce is what the next proof must carry, and WWW-Authenticate says when it is missing.
          exposedHeaders: ['Date', 'Retry-After', 'DPoP-Nonce', 'WWW-Authenticate'],
          maxAge: 600,
        });
      }
    });

    host.decorateRequest('user', null);
    host.decorate('authenticate', authenticateFor(ctx));
    host.decorate('signingKeys', ring);
    host.decorate('tessera', {
      get metrics(): Metrics {
        if (metrics === undefined) throw new Error('tessera is not registered yet');
        return metrics;
      },
      config,
      mail: mailer,
    });
  },
  { name: 'tessera', fastify: '5.x' },
);

/** The store `DATABASE_URL` names, migrated, and closed with the host. */
async function openOwnStore(host: FastifyInstance, config: Config): Promise<Store> {
  const store = await openStore(config, { backgroundCheckpoints: true });
  host.addHook('onClose', () => store.close());
  return store;
}

/** The host's preHandler: the contract's 401 (or 403, 503) is sent here, whatever the host's error handler does. */
function authenticateFor(ctx: AuthContext): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    try {
      const principal = await requirePrincipal(ctx, request);
      request.user = principal.claims as unknown as AccessClaims;
    } catch (error) {
      if (error instanceof StoreUnavailableError) await sendError(reply, storeUnavailable());
      else if (error instanceof AuthError) await sendError(reply, error);
      else throw error;
    }
  };
}
