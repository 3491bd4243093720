import { paths, type CookieSessionResponse, type TokenRefreshResponse } from '@tessera/protocol';
import type { AuthContext } from '../../auth/context.js';
import { RefreshTokenReuseError, rotateRefreshToken } from '../../auth/refresh.js';
import { TokenError, tokenNotValid } from '../../errors.js';
import { addressKey } from '../../rate-limit/address-key.js';
import { ThrottledError } from '../../rate-limit/throttle.js';
import { readToken, sessionIdOf } from '../../tokens/claims.js';
import { issueSessionCookies, presentedRefresh } from '../../cookie-mode/transport.js';
import { cookieSessionBody } from '../../cookie-mode/session-body.js';
import { DpopProofError } from '@tessera/verify/dpop';
import { dpopRefused, presentedDpopProof, sendDpopNonce } from '../dpop.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, dpopRequestHeaders, errorResponses, schemas, withDpopNonce } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

export const tokenRefreshRoute = defineRoute({
  method: 'POST',
  paths: [paths.tokenRefresh, paths.authRefresh],
  auth: 'none',
  name: 'Token Refresh',
  description:
    'Exchange a refresh token for a new pair. Each refresh token rotates once; presenting it again within the grace window returns the same pair, and after it revokes the session. In cookie mode, a refresh by the refresh cookie sets the pair as cookies and answers no token.',
  schema: {
    tags: ['tokens'],
    body: bodyOf({ refresh: 'A refresh token' }),
    headers: dpopRequestHeaders,
    response: {
      200: withDpopNonce(schemas.pairRefresh),
      400: errorResponses[400],
      401: withDpopNonce(errorResponses[401]),
    },
  },
  async handler(ctx, request, reply): Promise<TokenRefreshResponse | CookieSessionResponse> {
    const { token: refresh, fromCookie } = presentedRefresh(ctx, request);
    // Only unusable tokens count against the address: users behind one address share no budget.
    const attempt = await ctx.throttle.attempt([
      { limit: 'refresh_address', key: addressKey(request.ip), failuresOnly: true },
    ]);
    try {
      await throttleSession(ctx, refresh);
      const dpop = await presentedDpopProof(ctx, request, { nonce: 'required' });
      const delivery = fromCookie ? 'cookie_only' : 'body';
      const result = await rotateRefreshToken(ctx, refresh, clientOf(request), dpop, delivery);
      await attempt.forgive();
      logSecurityEvent(request, 'refresh', { userId: result.user.id, sessionId: result.sessionId });
      issueSessionCookies(ctx, reply, result);
      sendDpopNonce(ctx, reply, dpop);
      if (fromCookie) return cookieSessionBody(ctx, result);
      return { access: result.access, refresh: result.refresh };
    } catch (error) {
      if (error instanceof RefreshTokenReuseError) {
        logSecurityEvent(request, 'refresh_token_reuse', { userId: error.userId, sessionId: error.sessionId });
      } else if (error instanceof DpopProofError) {
        // The session goes on: whoever lacks its key can neither use it nor end it.
        logSecurityEvent(request, 'dpop_proof_refused', { reason: error.message });
        throw dpopRefused(error);
      } else if (error instanceof TokenError) {
        logSecurityEvent(request, 'refresh_failure', { reason: error.tokenMessage });
      } else {
        // The session's own limit refused a good token: not a failure to count against the address.
        if (error instanceof ThrottledError) await attempt.forgive();
        throw error;
      }
      throw tokenNotValid(error);
    }
  },
});

/**
 * Counts the refresh against its session, once the token's signature and
 * expiry are verified (a forged `sid` must not spend a real session's
 * budget). A token without a well-formed `sid` is refused by the rotation.
 * @throws {TokenError} for a token that does not verify; {@link ThrottledError} 429.
 */
async function throttleSession(ctx: AuthContext, token: unknown): Promise<void> {
  // A SimpleJWT token (during a cutover) has no session yet: it counts by its own id.
  const legacy = ctx.legacySimplejwt?.read(token, 'refresh');
  const key = legacy?.jti ?? sessionIdOf(readToken(ctx.jwt, ctx.settings, ctx.clock, token));
  if (key !== undefined) await ctx.throttle.attempt([{ limit: 'refresh', key }]);
}
