import { tokenMessages } from '@tessera/protocol';
import { AuthError, TokenError, invalidToken } from '../errors.js';
import type { LegacyClaims } from '../legacy/simplejwt.js';
import { ACCOUNT_REVOKE_REASONS, type RefreshTokenState } from '../store/types.js';
import { auditEntry, type ClientInfo } from './audit.js';
import type { LogoutVia } from './events.js';
import type { AuthContext } from './context.js';

/**
 * A SimpleJWT refresh token presented during a cutover, as tessera's own
 * refresh token: the first presentation starts a session whose first token
 * is this one (by its jti), which the caller then rotates; a later one finds
 * it rotated, and tessera's grace and reuse rules answer. Refused when the
 * imported blacklist lists it, and for a user who is gone or inactive.
 * @throws {TokenError} or the 401 for a user who is gone or inactive.
 */
export async function adoptLegacyRefreshToken(
  ctx: AuthContext,
  legacy: LegacyClaims,
  client: ClientInfo,
): Promise<RefreshTokenState> {
  if (await ctx.store.isSimplejwtBlacklisted(legacy.jti)) throw new TokenError(tokenMessages.blacklisted);
  let state = await ctx.store.findRefreshToken(legacy.jti);
  if (state === undefined) {
    const user = await ctx.store.findUserById(legacy.userId);
    if (user === undefined || !user.isActive) throw new AuthError('no_active_account');
    const now = ctx.clock.now();
    const sessionId = ctx.randomId();
    const audit = auditEntry('legacy_token_used', client, now, {
      userId: user.id,
      username: user.username,
      sessionId,
      details: { kind: 'simplejwt_refresh' },
    });
    await ctx.store.adoptLegacyRefreshToken(
      {
        sessionId,
        userId: user.id,
        now,
        ip: client.ip,
        userAgent: client.userAgent,
        token: { jti: legacy.jti, issuedAt: legacy.issuedAt, expiresAt: legacy.expiresAt },
      },
      audit,
    );
    // Adopted now, or by a presentation at the same moment: either way the store has it.
    state = await ctx.store.findRefreshToken(legacy.jti);
  }
  // A jti of another user's token: only a holder of the Django key could make this.
  if (state === undefined || state.userId !== legacy.userId) throw invalidToken();
  if (state.sessionRevokedAt !== null) {
    if (ACCOUNT_REVOKE_REASONS.has(state.sessionRevokeReason) && state.user?.isActive !== true) {
      throw new AuthError('no_active_account');
    }
    throw new TokenError(tokenMessages.blacklisted);
  }
  return state;
}

/**
 * A logout with a SimpleJWT refresh token during a cutover: the token is
 * listed in the blacklist, so that it is never exchanged, and the session
 * its exchange started, if any, ends.
 * @returns the session ended, if the token had been exchanged.
 */
export async function endLegacyRefreshToken(
  ctx: AuthContext,
  legacy: LegacyClaims,
  client: ClientInfo,
  via: LogoutVia,
): Promise<string | undefined> {
  await ctx.store.blacklistSimplejwt(legacy.jti, legacy.expiresAt);
  const state = await ctx.store.findRefreshToken(legacy.jti);
  const sessionId = state?.userId === legacy.userId ? state.sessionId : undefined;
  const now = ctx.clock.now();
  const audit = auditEntry('logout', client, now, {
    userId: legacy.userId,
    sessionId: sessionId ?? null,
    details: { via, legacy: 'simplejwt_refresh' },
  });
  if (sessionId === undefined) await ctx.store.appendAudit(audit);
  else await ctx.store.revokeSession(sessionId, now, 'logout', audit);
  return sessionId;
}

/**
 * `/api/token/verify/` with a SimpleJWT refresh token during a cutover: good
 * until it is exchanged (then it is a rotated token), ended by a logout, or
 * listed in the imported blacklist.
 * @throws {TokenError} `Token is blacklisted`.
 */
export async function verifyLegacyRefreshToken(ctx: AuthContext, legacy: LegacyClaims): Promise<void> {
  if (await ctx.store.isSimplejwtBlacklisted(legacy.jti)) throw new TokenError(tokenMessages.blacklisted);
  const state = await ctx.store.findRefreshToken(legacy.jti);
  if (state !== undefined && (state.usedAt !== null || state.sessionRevokedAt !== null)) {
    throw new TokenError(tokenMessages.blacklisted);
  }
}
