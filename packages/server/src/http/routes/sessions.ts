import { details, type RevokeOthersResponse, type SessionResponse } from '@tessera/protocol';
import { listOwnSessions, revokeOtherSessions, revokeOwnSession } from '../../auth/sessions.js';
import { AuthError } from '../../errors.js';
import { requirePrincipal } from '../authorization.js';
import { defineRoute } from '../route-spec.js';
import { bearer, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

const notFound = () => new AuthError(404, 'not_found', { detail: details.notFound, code: 'not_found' });

export const sessionListRoute = defineRoute({
  method: 'GET',
  paths: ['/api/sessions/'],
  auth: 'bearer',
  name: 'Session List',
  description: "The caller's live sessions, most recently used first; `current` marks the one asking.",
  schema: { tags: ['sessions'], security: bearer, response: { 200: schemas.sessions, 401: errorResponses[401] } },
  async handler(ctx, request): Promise<SessionResponse[]> {
    return listOwnSessions(ctx, await requirePrincipal(ctx, request));
  },
});

export const sessionRevokeRoute = defineRoute({
  method: 'DELETE',
  paths: ['/api/sessions/:id/'],
  auth: 'bearer',
  name: 'Session',
  description: "End one of the caller's sessions, with its refresh and access tokens. 204; 404 for any other id.",
  schema: {
    tags: ['sessions'],
    security: bearer,
    params: { type: 'object', properties: { id: { type: 'string', description: 'A session id from the list' } } },
    response: { 204: { description: 'Session ended; no body', type: 'null' }, 401: errorResponses[401] },
  },
  async handler(ctx, request, reply) {
    const principal = await requirePrincipal(ctx, request);
    const { id } = request.params as { id: string };
    if (!(await revokeOwnSession(ctx, principal, id, clientOf(request)))) throw notFound();
    logSecurityEvent(request, 'session_revoked', { userId: principal.user.id, sessionId: id });
    return reply.code(204).send();
  },
});

export const sessionRevokeOthersRoute = defineRoute({
  method: 'POST',
  paths: ['/api/sessions/revoke-others/'],
  auth: 'bearer',
  name: 'Session Revoke Others',
  description: 'End every session of the caller except the one asking.',
  schema: { tags: ['sessions'], security: bearer, response: { 200: schemas.revokeOthers, ...errorResponses } },
  async handler(ctx, request): Promise<RevokeOthersResponse> {
    const principal = await requirePrincipal(ctx, request);
    const revoked = await revokeOtherSessions(ctx, principal, clientOf(request));
    logSecurityEvent(request, 'revoke_all', {
      userId: principal.user.id,
      sessionId: principal.sessionId,
      reason: `${revoked} other sessions`,
    });
    return { message: 'Other sessions revoked successfully', revoked };
  },
});
