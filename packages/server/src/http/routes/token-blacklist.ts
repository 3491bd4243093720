import { paths } from '@tessera/protocol';
import { blacklistRefreshToken } from '../../auth/revoke.js';
import { TokenError, tokenNotValid } from '../../errors.js';
import { endSessionCookies, presentedRefreshToken } from '../../cookie-mode/transport.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, emptyObject, errorResponses } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

export const tokenBlacklistRoute = defineRoute({
  method: 'POST',
  paths: [paths.tokenBlacklist],
  auth: 'none',
  name: 'Token Blacklist',
  description: "Revoke a refresh token and end its session, including the session's access tokens.",
  schema: {
    tags: ['tokens'],
    body: bodyOf({ refresh: 'A refresh token' }),
    response: { 200: emptyObject, ...errorResponses },
  },
  async handler(ctx, request, reply) {
    const refresh = presentedRefreshToken(ctx, request);
    try {
      const ended = await blacklistRefreshToken(ctx, refresh, clientOf(request));
      logSecurityEvent(request, 'logout', { ...ended, via: 'blacklist' });
      endSessionCookies(ctx, reply);
    } catch (error) {
      if (error instanceof TokenError) throw tokenNotValid(error);
      throw error;
    }
    return {};
  },
});
