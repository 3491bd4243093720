import { details, type MessageResponse, paths } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/access.js';
import type { AuthContext } from '../../auth/context.js';
import type { LogoutVia } from '../../auth/events.js';
import { revokeAllSessions, revokeOwnRefreshToken } from '../../auth/revoke.js';
import { AuthError } from '../../errors.js';
import { endSessionCookies, presentedRefreshToken } from '../../cookie-mode/transport.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

/** Ends the session of the caller's refresh token named in the body. */
async function revokeFromBody(
  ctx: AuthContext,
  request: FastifyRequest,
  principal: Principal,
  via: LogoutVia,
): Promise<void> {
  const refresh = presentedRefreshToken(ctx, request);
  const ended = await revokeOwnRefreshToken(ctx, refresh, principal, clientOf(request), via);
  if (ended === undefined) throw new AuthError('invalid', { body: { error: details.invalidToken } });
  logSecurityEvent(request, 'logout', { userId: principal.user.id, sessionId: ended.sessionId, via });
}

const revokeSchema = (response: Record<number, unknown>) => ({
  tags: ['sessions'],
  body: bodyOf({ refresh: 'A refresh token of the caller' }),
  response: { ...response, ...errorResponses },
});

export const tokenRevokeRoute = defineRoute({
  method: 'POST',
  paths: [paths.tokenRevoke],
  auth: 'user',
  name: 'Token Revoke',
  description: "Revoke one of the caller's refresh tokens and end its session. Idempotent.",
  schema: revokeSchema({ 200: schemas.message }),
  async handler(ctx, request, _reply, principal): Promise<MessageResponse> {
    await revokeFromBody(ctx, request, principal, 'revoke');
    return { message: 'Token revoked successfully' };
  },
});

export const logoutRoute = defineRoute({
  method: 'POST',
  paths: [paths.authLogout],
  auth: 'user',
  name: 'Logout',
  description: "Log out: revoke the caller's refresh token and end its session. 205 with an empty body.",
  schema: revokeSchema({ 205: { description: 'Logged out; no body', type: 'null' } }),
  async handler(ctx, request, reply, principal) {
    await revokeFromBody(ctx, request, principal, 'logout');
    endSessionCookies(ctx, reply);
    return reply.code(205).send();
  },
});

export const tokenRevokeAllRoute = defineRoute({
  method: 'POST',
  paths: [paths.tokenRevokeAll],
  auth: 'user',
  name: 'Token Revoke All',
  description: 'End every session of the caller, with their refresh and access tokens.',
  schema: { tags: ['sessions'], response: { 200: schemas.message, ...errorResponses } },
  async handler(ctx, request, reply, principal): Promise<MessageResponse> {
    const count = await revokeAllSessions(ctx, principal, clientOf(request));
    endSessionCookies(ctx, reply);
    logSecurityEvent(request, 'revoke_all', { userId: principal.user.id, reason: `${count} sessions` });
    return { message: 'All tokens revoked successfully' };
  },
});
