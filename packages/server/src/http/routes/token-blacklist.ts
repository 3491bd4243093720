import { blacklistRefreshToken } from '../../auth/revoke.js';
import { TokenError, tokenNotValid } from '../../errors.js';
import { readFields } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, emptyObject, errorResponses } from '../schemas.js';
import { logSecurityEvent } from '../security-log.js';

export const tokenBlacklistRoute = defineRoute({
  method: 'POST',
  paths: ['/api/token/blacklist/'],
  auth: 'none',
  name: 'Token Blacklist',
  description: "Revoke a refresh token and end its session, including the session's access tokens.",
  schema: {
    tags: ['tokens'],
    body: bodyOf({ refresh: 'A refresh token' }),
    response: { 200: emptyObject, ...errorResponses },
  },
  async handler(ctx, request) {
    const { refresh } = readFields(request, ['refresh']);
    try {
      const ended = await blacklistRefreshToken(ctx, refresh);
      logSecurityEvent(request, 'blacklist', ended);
    } catch (error) {
      if (error instanceof TokenError) throw tokenNotValid(error);
      throw error;
    }
    return {};
  },
});
