import type { TokenPairResponse } from '@tessera/protocol';
import { LoginFailedError, badCredentials, logIn } from '../../auth/login.js';
import { readFields } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { logSecurityEvent, userAgentOf } from '../security-log.js';

export const tokenObtainRoute = defineRoute({
  method: 'POST',
  paths: ['/api/token/', '/api/auth/login/', '/api-token-auth/'],
  auth: 'none',
  name: 'Token Obtain Pair',
  description: 'Log in with a username and password; starts a session and returns a refresh and an access token.',
  schema: {
    tags: ['tokens'],
    body: bodyOf({ username: 'The username', password: 'The password' }),
    response: { 200: schemas.pairLogin, ...errorResponses },
  },
  async handler(ctx, request): Promise<TokenPairResponse> {
    const { username, password } = readFields(request, ['username', 'password']);
    try {
      const result = await logIn(ctx, { username, password, ip: request.ip, userAgent: userAgentOf(request) });
      logSecurityEvent(request, 'login_success', { userId: result.user.id, sessionId: result.sessionId });
      return { refresh: result.refresh, access: result.access };
    } catch (error) {
      if (!(error instanceof LoginFailedError)) throw error;
      logSecurityEvent(request, 'login_failure', { userId: error.userId, reason: error.reason });
      throw badCredentials();
    }
  },
});
