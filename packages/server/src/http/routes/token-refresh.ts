import { paths, type CookieSessionResponse, type TokenRefreshResponse } from '@tessera/protocol';
import { RefreshTokenReuseError, rotateRefreshToken } from '../../auth/refresh.js';
import { TokenError, tokenNotValid } from '../../errors.js';
import { issueSessionCookies, presentedRefresh } from '../../cookie-mode/transport.js';
import { cookieSessionBody } from '../../cookie-mode/session-body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
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
    response: { 200: schemas.pairRefresh, ...errorResponses },
  },
  async handler(ctx, request, reply): Promise<TokenRefreshResponse | CookieSessionResponse> {
    const { token: refresh, fromCookie } = presentedRefresh(ctx, request);
    await ctx.throttle.check('refresh', [{ key: request.ip }]);
    try {
      const result = await rotateRefreshToken(ctx, refresh, clientOf(request));
      logSecurityEvent(request, 'refresh', { userId: result.user.id, sessionId: result.sessionId });
      issueSessionCookies(ctx, reply, result);
      if (fromCookie) return cookieSessionBody(ctx, result);
      return { access: result.access, refresh: result.refresh };
    } catch (error) {
      if (error instanceof RefreshTokenReuseError) {
        logSecurityEvent(request, 'refresh_token_reuse', { userId: error.userId, sessionId: error.sessionId });
      } else if (error instanceof TokenError) {
        logSecurityEvent(request, 'refresh_failure', { reason: error.tokenMessage });
      } else {
        throw error;
      }
      throw tokenNotValid(error);
    }
  },
});
