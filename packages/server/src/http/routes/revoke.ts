import { details, type MessageResponse } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../auth/context.js';
import { revokeAllSessions, revokeOwnRefreshToken } from '../../auth/revoke.js';
import { AuthError } from '../../errors.js';
import { requirePrincipal } from '../authorization.js';
import { endSessionCookies, presentedRefreshToken } from '../cookie-transport.js';
import { defineRoute } from '../route-spec.js';
import { bearer, bodyOf, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

/** Ends the session of the caller's refresh token named in the body. */
async function revokeFromBody(ctx: AuthContext, request: FastifyRequest, via: 'logout' | 'revoke'): Promise<void> {
  const principal = await requirePrincipal(ctx, request);
  const refresh = presentedRefreshToken(ctx, request);
  const sessionId = await revokeOwnRefreshToken(ctx, refresh, principal, clientOf(request), via);
  if (sessionId === undefined) throw new AuthError(400, 'invalid', { error: details.invalidToken });
  logSecurityEvent(request, 'logout', { userId: principal.user.id, sessionId });
}

const revokeSchema = (response: Record<number, unknown>) => ({
  tags: ['sessions'],
  security: bearer,
  body: bodyOf({ refresh: 'A refresh token of the caller' }),
  response: { ...response, ...errorResponses },
});

export const tokenRevokeRoute = defineRoute({
  method: 'POST',
  paths: ['/api/token/revoke/'],
  auth: 'bearer',
  name: 'Token Revoke',
  description: "Revoke one of the caller's refresh tokens and end its session. Idempotent.",
  schema: revokeSchema({ 200: schemas.message }),
  async handler(ctx, request): Promise<MessageResponse> {
    await revokeFromBody(ctx, request, 'revoke');
    return { message: 'Token revoked successfully' };
  },
});

export const logoutRoute = defineRoute({
  method: 'POST',
  paths: ['/api/auth/logout/'],
  auth: 'bearer',
  name: 'Logout',
  description: "Log out: revoke the caller's refresh token and end its session. 205 with an empty body.",
  schema: revokeSchema({ 205: { description: 'Logged out; no body', type: 'null' } }),
  async handler(ctx, request, reply) {
    await revokeFromBody(ctx, request, 'logout');
    endSessionCookies(ctx, reply);
    return reply.code(205).send();
  },
});

export const tokenRevokeAllRoute = defineRoute({
  method: 'POST',
  paths: ['/api/token/revoke-all/'],
  auth: 'bearer',
  name: 'Token Revoke All',
  description: 'End every session of the caller, with their refresh and access tokens.',
  schema: { tags: ['sessions'], security: bearer, response: { 200: schemas.message, ...errorResponses } },
  async handler(ctx, request, reply): Promise<MessageResponse> {
    const principal = await requirePrincipal(ctx, request);
    const count = await revokeAllSessions(ctx, principal, clientOf(request));
    endSessionCookies(ctx, reply);
    logSecurityEvent(request, 'revoke_all', { userId: principal.user.id, reason: `${count} sessions` });
    return { message: 'All tokens revoked successfully' };
  },
});
