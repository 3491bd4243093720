/**
 * `@tessera/verify/fastify`: a plugin that verifies tessera's access tokens.
 *
 * - `request.user`: the claims (typed), `null` until authenticated;
 * - `fastify.authenticate`: a preHandler that requires a valid token;
 * - `fastify.verifier`: the verifier behind them;
 * - `requirePermission`, `requireRole`, `requireStaff`: preHandlers that
 *   authenticate when that was not done yet (by `fastify.authenticate`, so
 *   they also guard routes of an app with tessera mounted in-process), then
 *   check, as DRF would.
 *
 * Refusals are sent as tessera sends them (status, body, `WWW-Authenticate`,
 * `Retry-After`), whatever the app's error handler does.
 *
 * @example
 * ```ts
 * import tessera, { requirePermission } from '@tessera/verify/fastify';
 * await app.register(tessera, { url: 'https://auth.example.com/', service: { name: 'notes', secret } });
 * app.get('/notes', { preHandler: requirePermission('notes.view') }, async (request) => ({ user: request.user?.username }));
 * ```
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { authenticateRequest } from '../authorization.js';
import type { AccessClaims } from '../claims.js';
import { VerifyError } from '../errors.js';
import * as guards from '../guards.js';
import type { VerifierOptions } from '../options.js';
import { createVerifier, type Verifier } from '../verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified claims of the request's access token; `null` until a preHandler authenticated it. */
    user: AccessClaims | null;
  }
  interface FastifyInstance {
    /** A preHandler: 401 unless the request carries a valid tessera access token; sets `request.user`. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** The verifier behind the plugin. */
    verifier: Verifier;
  }
}

/** Either a verifier of your own (you close it), or the options to create one (closed with the app). */
export type TesseraPluginOptions = { verifier: Verifier } | VerifierOptions;

/** Sends `error` when it is a refusal; anything else is the app's error. */
function sendRefusal(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof VerifyError)) throw error;
  return reply.code(error.statusCode).headers(error.headers).send(error.body);
}

const plugin = fp<TesseraPluginOptions>(
  (fastify, options, done) => {
    const owned = !('verifier' in options);
    const verifier = 'verifier' in options ? options.verifier : createVerifier(options);
    fastify.decorate('verifier', verifier);
    fastify.decorateRequest('user', null);
    // One promise per request, not a chain of async frames: this runs before every protected handler.
    fastify.decorate('authenticate', function authenticate(request: FastifyRequest, reply: FastifyReply) {
      if (request.user !== null) return Promise.resolve();
      return authenticateRequest(verifier, request.headers.authorization, requestContext(request)).then(
        (claims) => {
          request.user = claims;
        },
        (error: unknown) => {
          sendRefusal(reply, error);
        },
      );
    });
    if (owned) fastify.addHook('onClose', () => verifier.close());
    done();
  },
  { name: '@tessera/verify', fastify: '5.x' },
);
export default plugin;
export { plugin as tesseraPlugin };

/**
 * What a DPoP proof must match: the URL as the client addressed it (behind a
 * proxy, Fastify's `trustProxy` decides). A getter: only a DPoP request reads it.
 */
const requestContext = (request: FastifyRequest) => ({
  method: request.method,
  get url() {
    return `${request.protocol}://${request.host}${request.url}`;
  },
  dpop: request.headers.dpop,
});

function guarded(guard: guards.Guard): preHandlerAsyncHookHandler {
  return async function guard_(request: FastifyRequest, reply: FastifyReply) {
    // Whoever decorated `authenticate` (this plugin, or tessera mounted in-process) sets `request.user` or answers.
    if (request.user === null) await request.server.authenticate(request, reply);
    if (reply.sent) return;
    try {
      guard(request.user);
    } catch (error) {
      return sendRefusal(reply, error);
    }
  };
}

/** A preHandler: the token's `permissions` include `permission` (superusers pass). @example `{ preHandler: requirePermission('notes.view') }` */
export const requirePermission = (permission: string): preHandlerAsyncHookHandler =>
  guarded(guards.requirePermission(permission));
/** A preHandler: the token's `role` is one of `roles`. @example `{ preHandler: requireRole('editor') }` */
export const requireRole = (...roles: [string, ...string[]]): preHandlerAsyncHookHandler =>
  guarded(guards.requireRole(...roles));
/** A preHandler: the token says `is_staff`. @example `{ preHandler: requireStaff() }` */
export const requireStaff = (): preHandlerAsyncHookHandler => guarded(guards.requireStaff());
