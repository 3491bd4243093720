import { paths, type RevokeOthersResponse, type SessionResponse } from '@tessera/protocol';
import { listOwnSessions, revokeOtherSessions, revokeOwnSession } from '../../auth/sessions.js';
import { AuthError } from '../../errors.js';
import { defineRoute } from '../route-spec.js';
import { errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

export const sessionListRoute = defineRoute({
  method: 'GET',
  paths: [paths.sessions],
  auth: 'user',
  name: 'Session List',
  description: "The caller's live sessions, most recently used first; `current` marks the one asking.",
  schema: { tags: ['sessions'], response: { 200: schemas.sessions, 401: errorResponses[401] } },
  handler(ctx, _request, _reply, principal): Promise<SessionResponse[]> {
    return listOwnSessions(ctx, principal);
  },
});

export const sessionRevokeRoute = defineRoute({
  method: 'DELETE',
  paths: [`${paths.sessions}:id/`],
  auth: 'user',
  name: 'Session',
  description: "End one of the caller's sessions, with its refresh and access tokens. 204; 404 for any other id.",
  schema: {
    tags: ['sessions'],
    params: { type: 'object', properties: { id: { type: 'string', description: 'A session id from the list' } } },
    response: { 204: { description: 'Session ended; no body', type: 'null' }, 401: errorResponses[401] },
  },
  async handler(ctx, request, reply, principal) {
    const { id } = request.params as { id: string };
    if (!(await revokeOwnSession(ctx, principal, id, clientOf(request)))) throw new AuthError('not_found');
    logSecurityEvent(request, 'session_revoked', { userId: principal.user.id, sessionId: id });
    return reply.code(204).send();
  },
});

export const sessionRevokeOthersRoute = defineRoute({
  method: 'POST',
  paths: [paths.sessionsRevokeOthers],
  auth: 'user',
  name: 'Session Revoke Others',
  description: 'End every session of the caller except the one asking.',
  schema: { tags: ['sessions'], response: { 200: schemas.revokeOthers, ...errorResponses } },
  async handler(ctx, request, _reply, principal): Promise<RevokeOthersResponse> {
    const revoked = await revokeOtherSessions(ctx, principal, clientOf(request));
    logSecurityEvent(request, 'revoke_all', {
      userId: principal.user.id,
      sessionId: principal.sessionId,
      reason: `${revoked} other sessions`,
    });
    return { message: 'Other sessions revoked successfully', revoked };
  },
});
