import { details, tokenMessages } from '@tessera/protocol';
import { TokenError, invalidToken, unauthorizedWithoutCode } from '../errors.js';
import { ACCOUNT_REVOKE_REASONS, type RefreshTokenState, type UserRecord } from '../store/types.js';
import { readToken, requireClaims, sessionIdOf, userIdOf, type VerifiedClaims } from '../tokens/claims.js';
import { subjectOf, type AuthContext, type TokenPair } from './context.js';

/** A refresh token that passed every check but the user's. */
export interface LiveRefreshToken {
  claims: VerifiedClaims;
  state: RefreshTokenState;
}

/**
 * Verifies a refresh token in the contract's order: signature, algorithm and
 * expiry; then revocation (rotated, or its session revoked); then claims and
 * type; then that the store knows it for the user and session it names.
 * @throws {TokenError}
 */
export async function readRefreshToken(
  ctx: AuthContext,
  token: unknown,
  options: { explainDeactivation?: boolean } = {},
): Promise<LiveRefreshToken> {
  const raw = readToken(ctx.jwt, ctx.settings, ctx.clock, token);
  const state = typeof raw.jti === 'string' ? await ctx.store.findRefreshToken(raw.jti) : undefined;
  if (state !== undefined && isSpent(state)) {
    // Deactivation and deletion end sessions; while the account stays so, say so as SimpleJWT would.
    if (options.explainDeactivation === true && ACCOUNT_REVOKE_REASONS.has(state.sessionRevokeReason)) {
      await requireActiveUser(ctx, state.userId);
    }
    throw new TokenError(tokenMessages.blacklisted);
  }
  const claims = requireClaims(raw, 'refresh');
  if (state === undefined || state.userId !== userIdOf(claims) || state.sessionId !== sessionIdOf(claims)) {
    throw invalidToken();
  }
  return { claims, state };
}

/** A refresh token already rotated, or whose session has ended. */
export function isSpent(state: RefreshTokenState): boolean {
  return state.usedAt !== null || state.sessionRevokedAt !== null;
}

export interface RefreshResult extends TokenPair {
  user: UserRecord;
  sessionId: string;
}

/**
 * Exchanges a refresh token for a new pair, exactly once: of any number of
 * concurrent presentations, one rotates and the rest get `Token is blacklisted`.
 * @throws {TokenError} or the 401 for a user who is gone or inactive.
 */
export async function rotateRefreshToken(ctx: AuthContext, token: unknown): Promise<RefreshResult> {
  const { state } = await readRefreshToken(ctx, token, { explainDeactivation: true });
  const user = await requireActiveUser(ctx, state.userId);
  const subject = subjectOf(user);
  const refresh = ctx.minter.mint('refresh', subject, state.sessionId, ctx.randomId());
  const access = ctx.minter.mint('access', subject, state.sessionId, ctx.randomId());
  const outcome = await ctx.store.rotateRefreshToken({ jti: state.jti, successor: refresh, now: ctx.clock.now() });
  if (outcome === 'unknown') throw invalidToken();
  if (outcome !== 'rotated') throw new TokenError(tokenMessages.blacklisted);
  return { access: access.token, refresh: refresh.token, user, sessionId: state.sessionId };
}

/** The token's owner, who must exist and be active. */
async function requireActiveUser(ctx: AuthContext, userId: number): Promise<UserRecord> {
  const user = await ctx.store.findUserById(userId);
  if (user === undefined || !user.isActive) {
    throw unauthorizedWithoutCode('no_active_account', details.noActiveAccountForToken);
  }
  return user;
}
