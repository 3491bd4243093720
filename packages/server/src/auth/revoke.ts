import { TokenError } from '../errors.js';
import { readToken, requireClaims, sessionIdOf } from '../tokens/claims.js';
import type { AuthContext } from './context.js';
import { readRefreshToken } from './refresh.js';

/**
 * `/api/token/blacklist/`: ends the session of a live refresh token.
 * @returns the user and session it ended.
 * @throws {TokenError} as a refresh would.
 */
export async function blacklistRefreshToken(
  ctx: AuthContext,
  token: unknown,
): Promise<{ userId: number; sessionId: string }> {
  const { state } = await readRefreshToken(ctx, token);
  await ctx.store.revokeSession(state.sessionId, ctx.clock.now(), 'logout');
  return { userId: state.userId, sessionId: state.sessionId };
}

/**
 * Revoke and logout: ends the session of an unexpired refresh token that
 * belongs to `userId`. Idempotent: a token already rotated, or whose session
 * is already over, still succeeds.
 * @returns the session ended, or undefined when the token is not a valid
 * refresh token of that user.
 */
export async function revokeOwnRefreshToken(
  ctx: AuthContext,
  token: unknown,
  userId: number,
): Promise<string | undefined> {
  let jti: string;
  let sessionId: string | undefined;
  try {
    const claims = requireClaims(readToken(ctx.jwt, ctx.settings, ctx.clock, token), 'refresh');
    jti = claims.jti;
    sessionId = sessionIdOf(claims);
  } catch (error) {
    if (error instanceof TokenError) return undefined;
    throw error;
  }
  const state = await ctx.store.findRefreshToken(jti);
  if (state === undefined || state.userId !== userId || state.sessionId !== sessionId) return undefined;
  await ctx.store.revokeSession(state.sessionId, ctx.clock.now(), 'logout');
  return state.sessionId;
}

/** Ends every session of the user; returns how many were live. */
export function revokeAllSessions(ctx: AuthContext, userId: number): Promise<number> {
  return ctx.store.revokeUserSessions(userId, ctx.clock.now(), 'revoke_all');
}
