import { type MessageResponse, type RevokeOthersResponse } from '@tessera/protocol';
import { requireMayManage } from '../../auth/admin-rights.js';
import { deviceLabel } from '../../auth/device-label.js';
import { AuthError } from '../../errors.js';
import { checkPasswordPolicy } from '../../passwords/policy.js';
import { adminAudit, targetUser } from '../admin-users.js';
import { collectFields, throwFieldErrors } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { logSecurityEvent } from '../security-log.js';
import { ADMIN_USER_PATH } from './admin-user.js';

const SESSION_ID = /^[0-9a-f]{32}$/;
const params = { type: 'object', properties: { id: { type: 'integer', description: "The user's id" } } } as const;

export const adminPasswordRoute = defineRoute({
  method: 'POST',
  paths: [`${ADMIN_USER_PATH}password/`],
  auth: 'staff',
  name: 'Admin Set Password',
  description: "Set the user's password, under the password policy; every session of the user ends.",
  schema: {
    tags: ['admin'],
    params,
    body: bodyOf({ password: 'The new password' }),
    response: { 200: schemas.message, ...errorResponses },
  },
  async handler(ctx, request, _reply, admin): Promise<MessageResponse> {
    const target = await targetUser(ctx, request);
    const { values, errors } = collectFields(request, { password: {} });
    if (values.password !== undefined) errors.password = await checkPasswordPolicy(values.password, target);
    throwFieldErrors(errors, ['password']);
    requireMayManage(admin.user, target);
    const audit = adminAudit('password_changed', request, ctx, admin, target);
    const hash = await ctx.hasher.hash(values.password as string);
    await ctx.store.setPassword(target.id, hash, ctx.clock.now(), undefined, audit);
    logSecurityEvent(request, 'password_changed', { userId: target.id, reason: `by ${admin.user.username}` });
    return { message: 'Password set successfully' };
  },
});

/** One session as staff see it: the owner's view without `current`, plus whether and why it ended. */
const adminSession = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    last_used_at: { type: 'string', format: 'date-time' },
    ip: { type: 'string' },
    user_agent: { type: 'string' },
    device: { type: 'string' },
    device_bound: { type: 'boolean' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
    revoke_reason: { type: ['string', 'null'] },
  },
} as const;

export const adminSessionListRoute = defineRoute({
  method: 'GET',
  paths: [`${ADMIN_USER_PATH}sessions/`],
  auth: 'staff',
  name: 'Admin User Sessions',
  description: "The user's live sessions, newest first; with ?all=true, ended ones too.",
  schema: {
    tags: ['admin'],
    params,
    response: { 200: { type: 'array', items: adminSession }, 401: errorResponses[401] },
  },
  async handler(ctx, request) {
    const target = await targetUser(ctx, request);
    const all = (request.query as Record<string, unknown>).all === 'true';
    const sessions = await ctx.store.listSessions(target.id, { includeRevoked: all });
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return sessions.map((session) => ({
      id: session.id,
      created_at: iso(session.createdAt),
      last_used_at: iso(session.lastUsedAt),
      ip: session.ip,
      user_agent: session.userAgent,
      device: deviceLabel(session.userAgent),
      device_bound: session.dpopJkt !== null,
      revoked_at: iso(session.revokedAt),
      revoke_reason: session.revokeReason,
    }));
  },
});

export const adminSessionRevokeRoute = defineRoute({
  method: 'DELETE',
  paths: [`${ADMIN_USER_PATH}sessions/:sid/`],
  auth: 'staff',
  name: 'Admin User Session',
  description: "End one of the user's sessions, with its tokens. 204; 404 for a session not theirs.",
  schema: {
    tags: ['admin'],
    params: { type: 'object', properties: { ...params.properties, sid: { type: 'string' } } },
    response: { 204: { description: 'Session ended; no body', type: 'null' }, 401: errorResponses[401] },
  },
  async handler(ctx, request, reply, admin) {
    const target = await targetUser(ctx, request);
    const { sid } = request.params as { sid: string };
    const session = SESSION_ID.test(sid) ? await ctx.store.findSession(sid) : undefined;
    if (session === undefined || session.userId !== target.id) throw new AuthError('not_found');
    requireMayManage(admin.user, target);
    const audit = adminAudit('session_revoked', request, ctx, admin, target);
    await ctx.store.revokeSession(sid, ctx.clock.now(), 'admin', { ...audit, sessionId: sid });
    logSecurityEvent(request, 'session_revoked', {
      userId: target.id,
      sessionId: sid,
      reason: `by ${admin.user.username}`,
    });
    return reply.code(204).send();
  },
});

export const adminSessionRevokeAllRoute = defineRoute({
  method: 'POST',
  paths: [`${ADMIN_USER_PATH}sessions/revoke-all/`],
  auth: 'staff',
  name: 'Admin User Sessions Revoke All',
  description: 'End every session of the user → {"message","revoked":N}.',
  schema: { tags: ['admin'], params, response: { 200: schemas.revokeOthers, ...errorResponses } },
  async handler(ctx, request, _reply, admin): Promise<RevokeOthersResponse> {
    const target = await targetUser(ctx, request);
    requireMayManage(admin.user, target);
    const audit = adminAudit('revoke_all', request, ctx, admin, target);
    const revoked = await ctx.store.revokeUserSessions(target.id, ctx.clock.now(), 'admin', undefined, audit);
    logSecurityEvent(request, 'revoke_all', { userId: target.id, reason: `by ${admin.user.username}` });
    return { message: 'All sessions revoked successfully', revoked };
  },
});
