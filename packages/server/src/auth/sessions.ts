import type { SessionResponse } from '@tessera/protocol';
import type { Principal } from './access.js';
import { auditEntry, type ClientInfo } from './audit.js';
import type { AuthContext } from './context.js';
import { deviceLabel } from './device-label.js';

const SESSION_ID = /^[0-9a-f]{32}$/;

/** The caller's live sessions, most recently used first, the caller's own marked `current`. */
export async function listOwnSessions(ctx: AuthContext, principal: Principal): Promise<SessionResponse[]> {
  const sessions = await ctx.store.listSessions(principal.user.id);
  return sessions
    .sort((a, b) => b.lastUsedAt - a.lastUsedAt)
    .map((session) => ({
      id: session.id,
      created_at: new Date(session.createdAt).toISOString(),
      last_used_at: new Date(session.lastUsedAt).toISOString(),
      ip: session.ip,
      user_agent: session.userAgent,
      device: deviceLabel(session.userAgent),
      current: session.id === principal.sessionId,
      device_bound: session.dpopJkt !== null,
    }));
}

/**
 * Ends one of the user's own sessions. Idempotent for a session already ended.
 * @returns false when no session of this user has that id: the caller answers
 * 404 alike for another user's session and for none at all.
 */
export async function revokeOwnSession(
  ctx: AuthContext,
  caller: Principal,
  sessionId: string,
  client: ClientInfo,
): Promise<boolean> {
  if (!SESSION_ID.test(sessionId)) return false;
  const session = await ctx.store.findSession(sessionId);
  if (session === undefined || session.userId !== caller.user.id) return false;
  const now = ctx.clock.now();
  const audit = auditEntry('session_revoked', client, now, {
    userId: caller.user.id,
    username: caller.user.username,
    sessionId,
    details: { by: caller.sessionId === sessionId ? 'itself' : 'another_session' },
  });
  await ctx.store.revokeSession(sessionId, now, 'logout', audit);
  return true;
}

/** Ends every session of the caller but the one asking; returns how many. */
export function revokeOtherSessions(ctx: AuthContext, caller: Principal, client: ClientInfo): Promise<number> {
  const now = ctx.clock.now();
  const { user, sessionId } = caller;
  const audit = auditEntry('revoke_all', client, now, {
    userId: user.id,
    username: user.username,
    sessionId,
    details: { kept_current: true },
  });
  return ctx.store.revokeUserSessions(user.id, now, 'revoke_others', sessionId, audit);
}
