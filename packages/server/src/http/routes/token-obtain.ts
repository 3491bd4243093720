import { paths, type CookieSessionResponse, type TokenPairResponse } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import { auditEntry, type ClientInfo } from '../../auth/audit.js';
import type { AuthContext } from '../../auth/context.js';
import { LoginFailedError, logIn, loginRefusal, type LoginResult } from '../../auth/login.js';
import { readFields } from '../body.js';
import { DpopProofError } from '@tessera/verify/dpop';
import { dpopRefused, presentedDpopProof, sendDpopNonce } from '../dpop.js';
import { issueSessionCookies, requireLoginCsrf } from '../../cookie-mode/transport.js';
import { cookieSessionBody, isCookieLogin } from '../../cookie-mode/session-body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, dpopRequestHeaders, errorResponses, schemas, withDpopNonce } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';
import { addressKey } from '../../rate-limit/address-key.js';
import { ThrottledError, usernameKey, type Attempt } from '../../rate-limit/throttle.js';

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
    headers: dpopRequestHeaders,
    response: {
      200: withDpopNonce(schemas.pairLogin),
      400: errorResponses[400],
      401: withDpopNonce(errorResponses[401]),
    },
  },
  async handler(ctx, request, reply): Promise<TokenPairResponse | CookieSessionResponse> {
    requireLoginCsrf(ctx, request);
    const { username, password } = readFields(request, ['username', 'password']);
    const client = clientOf(request);
    const attempt = await throttleLogin(ctx, request, username, client);
    // Before the password: a refused proof costs no hash.
    const dpop = await presentedDpopProof(ctx, request, { nonce: 'not_checked' });
    if (dpop instanceof DpopProofError) {
      logSecurityEvent(request, 'login_failure', { reason: dpop.message });
      throw dpopRefused(dpop);
    }
    try {
      const cookieLogin = isCookieLogin(ctx, request);
      const accessDelivery = cookieLogin ? 'cookie_only' : 'body';
      const result = await logIn(ctx, { username, password, ...client, dpopJkt: dpop?.jkt, accessDelivery });
      await attempt.forgive();
      logSecurityEvent(request, 'login_success', { userId: result.user.id, sessionId: result.sessionId });
      logPasswordUpgrade(request, result);
      issueSessionCookies(ctx, reply, result);
      sendDpopNonce(ctx, reply, dpop);
      if (cookieLogin) return cookieSessionBody(ctx, result);
      return { refresh: result.refresh, access: result.access };
    } catch (error) {
      if (!(error instanceof LoginFailedError)) throw error;
      logSecurityEvent(request, 'login_failure', { userId: error.userId, reason: error.reason });
      throw loginRefusal(error);
    }
  },
});

/**
 * Counts the attempt for the username from this address (every attempt), and
 * then, if it fails, for the address whatever the username and for the
 * username from every address. Past the per-username ceiling, only an address
 * the account already has a session from may go on trying: an attacker
 * spread over many addresses is stopped, and its owner can still log in from
 * where they usually do. Unknown usernames count exactly like known ones.
 * @throws {ThrottledError} 429, recorded as `login_throttled` once per window.
 */
async function throttleLogin(
  ctx: AuthContext,
  request: FastifyRequest,
  username: string,
  client: ClientInfo,
): Promise<Attempt> {
  const address = addressKey(client.ip);
  const account = usernameKey(username);
  try {
    return await ctx.throttle.attempt([
      { limit: 'obtain', key: `${account}:${address}` },
      { limit: 'obtain_address', key: address, failuresOnly: true },
      {
        limit: 'obtain_username',
        key: account,
        failuresOnly: true,
        exempt: () => hasSignedInFrom(ctx, username, client.ip),
      },
    ]);
  } catch (error) {
    if (error instanceof ThrottledError) {
      logSecurityEvent(request, 'login_throttled');
      if (error.firstInWindow) {
        await ctx.store.appendAudit(auditEntry('login_throttled', client, ctx.clock.now(), { username }));
      }
    }
    throw error;
  }
}

/** Whether the account has a session on record started from this very address. */
async function hasSignedInFrom(ctx: AuthContext, username: string, ip: string): Promise<boolean> {
  const user = await ctx.store.findUserByUsername(username);
  return user !== undefined && (await ctx.store.hasSessionFrom(user.id, ip));
}

/** A Django hash rewritten as argon2id, or left for the next login because the write failed. */
function logPasswordUpgrade(request: FastifyRequest, { user, passwordUpgrade }: LoginResult): void {
  if (passwordUpgrade === undefined) return;
  if (passwordUpgrade.upgraded) request.log.info({ userId: user.id }, 'password hash upgraded from Django to argon2id');
  else {
    request.log.warn(
      { userId: user.id, err: passwordUpgrade.error },
      'password hash upgrade failed; the login went on, and the next one tries again',
    );
  }
}
