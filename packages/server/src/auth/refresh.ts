import { tokenMessages } from '@tessera/protocol';
import { AuthError, TokenError, invalidToken } from '../errors.js';
import type { SuccessorIds } from '../ids.js';
import { DpopProofError, type VerifiedProof } from '@tessera/verify/dpop';
import { auditEntry, type ClientInfo } from './audit.js';
import { adoptLegacyRefreshToken } from './legacy-refresh.js';
import {
  ACCOUNT_REVOKE_REASONS,
  type RefreshTokenRow,
  type RefreshTokenState,
  type SessionUser,
} from '../store/types.js';
import {
  readToken,
  requireClaims,
  sessionIdOf,
  userIdOf,
  type MintBinding,
  type VerifiedClaims,
} from '../tokens/claims.js';
import { accessBindingOf, subjectOf, type AccessDelivery, type AuthContext, type IssuedPair } from './context.js';

/** What a refresh presented as its DPoP proof: none, one that passed its checks, or why it did not. */
export type DpopPresentation = VerifiedProof | DpopProofError | undefined;

/** A refresh token that passed every check but the user's. */
export interface LiveRefreshToken {
  claims: VerifiedClaims;
  state: RefreshTokenState;
}

/** A rotated refresh token presented again outside the grace: its session has just been revoked. */
export class RefreshTokenReuseError extends TokenError {
  override name = 'RefreshTokenReuseError';
  constructor(
    readonly userId: number,
    readonly sessionId: string,
  ) {
    super(tokenMessages.blacklisted);
  }
}

/**
 * Verifies a refresh token in the contract's order: signature, algorithm and
 * expiry; then revocation (its session revoked, or the token rotated unless
 * `acceptRotated`); then claims and type; then that the store knows it for the
 * user and session it names.
 * @throws {TokenError}
 */
export async function readRefreshToken(
  ctx: AuthContext,
  token: unknown,
  options: { explainDeactivation?: boolean; acceptRotated?: boolean } = {},
): Promise<LiveRefreshToken> {
  const raw = readToken(ctx.jwt, ctx.settings, ctx.clock, token);
  const state = typeof raw.jti === 'string' ? await ctx.store.findRefreshToken(raw.jti) : undefined;
  if (state !== undefined && (state.sessionRevokedAt !== null || (state.usedAt !== null && !options.acceptRotated))) {
    // Deactivation and deletion end sessions; while the account stays so, say so as SimpleJWT would.
    if (options.explainDeactivation === true && ACCOUNT_REVOKE_REASONS.has(state.sessionRevokeReason)) {
      requireRefreshableAccount(state.user);
    }
    throw new TokenError(tokenMessages.blacklisted);
  }
  const claims = requireClaims(raw, 'refresh');
  if (state === undefined || state.userId !== userIdOf(claims) || state.sessionId !== sessionIdOf(claims)) {
    throw invalidToken();
  }
  return { claims, state };
}

export interface RefreshResult extends IssuedPair {
  user: SessionUser;
}

/**
 * Exchanges a refresh token for its successor pair. Exactly one rotation
 * happens however many times the token is presented; every presentation
 * within the grace window after it gets the identical pair, as long as that
 * pair has not itself been used. Any other presentation of a rotated token is
 * reuse: the whole session is revoked.
 * @throws {TokenError} ({@link RefreshTokenReuseError} on reuse) or the 401 for a user who is gone or inactive.
 */
export async function rotateRefreshToken(
  ctx: AuthContext,
  token: unknown,
  client: ClientInfo,
  dpop: DpopPresentation = undefined,
  accessDelivery: AccessDelivery = 'body',
): Promise<RefreshResult> {
  const legacy = ctx.legacySimplejwt?.read(token, 'refresh');
  // A SimpleJWT token's session is unbound: only a bad proof refuses it, and before it is adopted, not after.
  if (legacy !== undefined && dpop instanceof DpopProofError) throw dpop;
  const state =
    legacy === undefined
      ? (await readRefreshToken(ctx, token, { explainDeactivation: true, acceptRotated: true })).state
      : await adoptLegacyRefreshToken(ctx, legacy, client);
  const now = ctx.clock.now();
  // Before the grace window and the rotation: a bad proof never receives a pair, and ends nothing.
  const refusal = dpopRefusal(state.sessionDpopJkt, dpop);
  if (refusal !== undefined) {
    await ctx.store.appendAudit(
      auditEntry('dpop_proof_refused', client, now, {
        userId: state.userId,
        username: state.user?.username,
        sessionId: state.sessionId,
        details: { reason: refusal.message, bound: state.sessionDpopJkt !== null },
      }),
    );
    throw refusal;
  }
  const sessionEnd = state.sessionCreatedAt + ctx.settings.sessionMaxAgeSeconds * 1000;
  if (now >= sessionEnd) throw new TokenError(tokenMessages.expired);
  const user = requireRefreshableAccount(state.user);
  const ids = ctx.successorIds(state.jti);
  const binding = accessBindingOf(ctx.settings, state.sessionDpopJkt, accessDelivery);
  const mint = (issuedAt: number) => mintSuccessors(ctx, user, state.sessionId, ids, issuedAt, sessionEnd, binding);
  const audit = (event: 'refresh' | 'refresh_token_reuse', details: Record<string, boolean> = {}) =>
    auditEntry(event, client, now, { userId: user.id, username: user.username, sessionId: state.sessionId, details });

  let rotatedAt = state.usedAt;
  if (rotatedAt === null) {
    const { pair, successor } = mint(now);
    const outcome = await ctx.store
      .rotateRefreshToken({ jti: state.jti, successor, now }, audit('refresh'))
      .catch((error: unknown) => {
        // It may have committed though its answer was lost: let the invited retry have the pair.
        ctx.failedRotations.remember(state.jti, now);
        throw error;
      });
    if (outcome.kind === 'rotated') return pair;
    if (outcome.kind === 'unknown') throw invalidToken();
    if (outcome.kind === 'session_revoked') throw new TokenError(tokenMessages.blacklisted);
    rotatedAt = outcome.usedAt;
  }

  if (now - rotatedAt < ctx.settings.refreshGraceSeconds * 1000 || ctx.failedRotations.forgives(state.jti, now)) {
    const successor = await ctx.store.findRefreshToken(ids.refresh);
    if (successor !== undefined && successor.sessionRevokedAt !== null) throw new TokenError(tokenMessages.blacklisted);
    // Only the immediate parent of the live token is forgiven.
    if (successor !== undefined && successor.usedAt === null) {
      await ctx.store.appendAudit(audit('refresh', { within_grace: true }));
      return mint(rotatedAt).pair;
    }
  }
  await ctx.store.revokeSession(state.sessionId, now, 'token_reuse', audit('refresh_token_reuse'));
  throw new RefreshTokenReuseError(state.userId, state.sessionId);
}

/**
 * Why a refresh's proof is refused, if it is: a proof that failed its checks
 * (bound session or not); and for a session bound to a key, no proof or one
 * by another key.
 */
function dpopRefusal(boundTo: string | null, dpop: DpopPresentation): DpopProofError | undefined {
  if (dpop instanceof DpopProofError) return dpop;
  if (boundTo === null) return undefined;
  if (dpop === undefined)
    return new DpopProofError('This session is bound to a key: the refresh needs its DPoP proof.');
  if (dpop.jkt !== boundTo)
    return new DpopProofError('The DPoP proof is signed by another key than the session is bound to.');
  return undefined;
}

/**
 * The pair that replaces a refresh token: a function of the token, the user
 * and the rotation time only, so that re-minting it gives the same strings.
 */
function mintSuccessors(
  ctx: AuthContext,
  user: SessionUser,
  sessionId: string,
  ids: SuccessorIds,
  issuedAt: number,
  sessionEnd: number,
  binding: MintBinding,
): { pair: RefreshResult; successor: RefreshTokenRow } {
  const subject = subjectOf(user);
  const timing = { issuedAt, notAfter: sessionEnd };
  const refresh = ctx.minter.mint('refresh', subject, sessionId, ids.refresh, timing);
  const access = ctx.minter.mint('access', subject, sessionId, ids.access, timing, binding);
  const pair = { access: access.token, refresh: refresh.token, refreshExpiresAt: refresh.expiresAt, user, sessionId };
  return { pair, successor: refresh };
}

/**
 * The owner of a refresh token (read with it), who must exist and be active:
 * SimpleJWT's refresh answer, `no_active_account`, for either failure.
 */
function requireRefreshableAccount(user: SessionUser | undefined): SessionUser {
  if (user === undefined || !user.isActive) {
    throw new AuthError('no_active_account');
  }
  return user;
}
