import { TokenError } from '../errors.js';
import type { Principal } from './access.js';
import { readToken, requireClaims, sessionIdOf, userIdOf } from '../tokens/claims.js';
import { auditEntry, type ClientInfo } from './audit.js';
import type { LogoutVia } from './events.js';
import type { AuthContext } from './context.js';
import { readRefreshToken } from './refresh.js';
import { endLegacyRefreshToken } from './legacy-refresh.js';

/**
 * `/api/token/blacklist/`: ends the session of a live refresh token.
 * @returns the user and session it ended.
 * @throws {TokenError} as a refresh would.
 */
export async function blacklistRefreshToken(
  ctx: AuthContext,
  token: unknown,
  client: ClientInfo,
): Promise<{ userId: number; sessionId: string | undefined }> {
  const legacy = ctx.legacySimplejwt?.read(token, 'refresh');
  if (legacy !== undefined) {
    return { userId: legacy.userId, sessionId: await endLegacyRefreshToken(ctx, legacy, client, 'blacklist') };
  }
  const { state } = await readRefreshToken(ctx, token);
  const now = ctx.clock.now();
  const audit = auditEntry('logout', client, now, {
    userId: state.userId,
    sessionId: state.sessionId,
    details: { via: 'blacklist' satisfies LogoutVia },
  });
  await ctx.store.revokeSession(state.sessionId, now, 'logout', audit);
  return { userId: state.userId, sessionId: state.sessionId };
}

/**
 * Revoke and logout: ends the session of an unexpired refresh token that
 * belongs to `userId`. Idempotent: a token already rotated, or whose session
 * is already over, still succeeds.
 * A SimpleJWT refresh token of that user (during a cutover) is blacklisted,
 * with the session its exchange started, if any.
 * @returns the session ended (none for a SimpleJWT token never exchanged),
 * or undefined when the token is not a valid refresh token of that user.
 */
export async function revokeOwnRefreshToken(
  ctx: AuthContext,
  token: unknown,
  caller: Principal,
  client: ClientInfo,
  via: LogoutVia,
): Promise<{ sessionId: string | undefined } | undefined> {
  const userId = caller.user.id;
  let legacy;
  try {
    legacy = ctx.legacySimplejwt?.read(token, 'refresh');
  } catch (error) {
    if (error instanceof TokenError) return undefined;
    throw error;
  }
  if (legacy !== undefined) {
    return legacy.userId === userId ? { sessionId: await endLegacyRefreshToken(ctx, legacy, client, via) } : undefined;
  }
  let jti: string;
  let sessionId: string | undefined;
  try {
    const claims = requireClaims(readToken(ctx.jwt, ctx.settings, ctx.clock, token), 'refresh');
    if (userIdOf(claims) !== userId) return undefined;
    jti = claims.jti;
    sessionId = sessionIdOf(claims);
  } catch (error) {
    if (error instanceof TokenError) return undefined;
    throw error;
  }
  const state = await ctx.store.findRefreshToken(jti);
  if (state === undefined || state.userId !== userId || state.sessionId !== sessionId) return undefined;
  const now = ctx.clock.now();
  const audit = auditEntry('logout', client, now, {
    userId,
    username: caller.user.username,
    sessionId: state.sessionId,
    details: { via },
  });
  await ctx.store.revokeSession(state.sessionId, now, 'logout', audit);
  return { sessionId: state.sessionId };
}

/** Ends every session of the caller; returns how many were live. */
export function revokeAllSessions(ctx: AuthContext, caller: Principal, client: ClientInfo): Promise<number> {
  const now = ctx.clock.now();
  const { user, sessionId } = caller;
  const audit = auditEntry('revoke_all', client, now, { userId: user.id, username: user.username, sessionId });
  return ctx.store.revokeUserSessions(user.id, now, 'revoke_all', undefined, audit);
}
