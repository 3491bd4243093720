import { paths, type CookieSessionResponse, type TokenPairResponse } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import { auditEntry, type ClientInfo } from '../../auth/audit.js';
import type { AuthContext } from '../../auth/context.js';
import { AuthError } from '../../errors.js';
import { LoginFailedError, badCredentials, logIn } from '../../auth/login.js';
import { readFields } from '../body.js';
import { issueSessionCookies, requireLoginCsrf } from '../../cookie-mode/transport.js';
import { cookieSessionBody, isCookieLogin } from '../../cookie-mode/session-body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';
import { usernameKey } from '../../rate-limit/throttle.js';

export const tokenObtainRoute = defineRoute({
  method: 'POST',
  paths: [paths.tokenObtain, paths.authLogin, paths.legacyTokenAuth],
  auth: 'none',
  name: 'Token Obtain Pair',
  description:
    "Log in with a username and password; starts a session and returns a refresh and an access token. In cookie mode, a browser's cookie login (one with `X-CSRFToken`, or from this origin) answers no token.",
  schema: {
    tags: ['tokens'],
    body: bodyOf({ username: 'The username', password: 'The password' }),
    response: { 200: schemas.pairLogin, ...errorResponses },
  },
  async handler(ctx, request, reply): Promise<TokenPairResponse | CookieSessionResponse> {
    requireLoginCsrf(ctx, request);
    const { username, password } = readFields(request, ['username', 'password']);
    const client = clientOf(request);
    await throttleLogin(ctx, request, username, client);
    try {
      const result = await logIn(ctx, { username, password, ...client });
      logSecurityEvent(request, 'login_success', { userId: result.user.id, sessionId: result.sessionId });
      issueSessionCookies(ctx, reply, result);
      if (isCookieLogin(ctx, request)) return cookieSessionBody(ctx, result);
      return { refresh: result.refresh, access: result.access };
    } catch (error) {
      if (!(error instanceof LoginFailedError)) throw error;
      logSecurityEvent(request, 'login_failure', { userId: error.userId, reason: error.reason });
      throw badCredentials();
    }
  },
});

/**
 * Counts the attempt for the username from this address, and for the address
 * alone at four times the limit: one client may sign in a few accounts, not
 * spray them. Unknown usernames count exactly like known ones.
 * @throws {AuthError} 429, recorded as `login_throttled`.
 */
async function throttleLogin(ctx: AuthContext, request: FastifyRequest, username: string, client: ClientInfo) {
  try {
    await ctx.throttle.check('obtain', [
      { key: `${usernameKey(username)}:${client.ip}` },
      { key: client.ip, share: 4 },
    ]);
  } catch (error) {
    if (error instanceof AuthError && error.statusCode === 429) {
      logSecurityEvent(request, 'login_throttled');
      await ctx.store.appendAudit(auditEntry('login_throttled', client, ctx.clock.now(), { username }));
    }
    throw error;
  }
}
