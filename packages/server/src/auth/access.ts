import { details, tokenMessages } from '@tessera/protocol';
import { andThen, type Awaitable } from '../awaitable.js';
import { AuthError, TokenError, invalidToken } from '../errors.js';
import { ACCOUNT_REVOKE_REASONS, type SessionState, type SessionUser } from '../store/types.js';
import { readToken, requireClaims, sessionIdOf, userIdOf, type VerifiedClaims } from '../tokens/claims.js';
import type { AuthContext } from './context.js';
import { readRefreshToken } from './refresh.js';
import type { LegacyClaims } from '../legacy/simplejwt.js';
import { legacyPrincipal } from './legacy-principal.js';
import { verifyLegacyRefreshToken } from './legacy-refresh.js';

/** Who a valid access token speaks for. */
export interface Principal {
  user: SessionUser;
  /** Undefined for a credential from before a move from Django (a SimpleJWT access token, a DRF Token key). */
  sessionId: string | undefined;
  /** The access token's claims. */
  claims: VerifiedClaims;
}

/**
 * Authenticates an access token: signature, algorithm and expiry; then its
 * session (revocation reaches access tokens); then claims and type; then the
 * user, who must exist and be active. Synchronous when the session is cached.
 * @throws {TokenError} for the token, {@link AuthError} for the user (thrown, or as the promise's rejection).
 */
export function authenticateAccessToken(ctx: AuthContext, token: string): Awaitable<Principal> {
  const legacy = ctx.legacySimplejwt?.read(token, 'access');
  if (legacy !== undefined) return authenticateLegacyAccess(ctx, legacy);
  const raw = readToken(ctx.jwt, ctx.settings, ctx.clock, token);
  const sessionId = sessionIdOf(raw);
  if (sessionId === undefined) return principalOf(ctx, raw, undefined, undefined);
  return andThen(ctx.sessions.find(sessionId), (session) => principalOf(ctx, raw, sessionId, session));
}

function principalOf(
  ctx: AuthContext,
  raw: Record<string, unknown>,
  sessionId: string | undefined,
  session: SessionState | undefined,
): Awaitable<Principal> {
  if (session !== undefined && session.revokedAt !== null) {
    // Deactivation and deletion end sessions; while the account stays so, say so as SimpleJWT would.
    if (ACCOUNT_REVOKE_REASONS.has(session.revokeReason)) requireActiveTokenUser(session.user);
    throw new TokenError(tokenMessages.blacklisted);
  }
  const claims = requireClaims(raw, 'access');
  const userId = userIdOf(claims);
  if (userId === undefined) {
    throw new AuthError('token_not_valid', { detail: details.noUserIdentification });
  }
  if (sessionId === undefined) throw invalidToken();
  if (session === undefined) throw new TokenError(tokenMessages.blacklisted);
  if (session.userId !== userId) {
    // Only a holder of the key can mint this; answer as SimpleJWT would for its user.
    return ctx.store.findUserById(userId).then((claimed) => {
      if (claimed === undefined) throw new AuthError('user_not_found');
      throw invalidToken();
    });
  }
  return { user: requireActiveTokenUser(session.user), sessionId, claims };
}

/**
 * A SimpleJWT access token during a cutover: good until it expires, for a
 * user who exists and is active. It belongs to no tessera session.
 */
async function authenticateLegacyAccess(ctx: AuthContext, legacy: LegacyClaims): Promise<Principal> {
  const user = requireActiveTokenUser(await ctx.store.findUserById(legacy.userId));
  return legacyPrincipal(ctx, user, { jti: legacy.jti, exp: legacy.expiresAt / 1000 });
}

/** The user of an access token, as SimpleJWT's authentication says it: `user_not_found`, then `user_inactive`. */
function requireActiveTokenUser(user: SessionUser | undefined): SessionUser {
  if (user === undefined) throw new AuthError('user_not_found');
  if (!user.isActive) throw new AuthError('user_inactive');
  return user;
}

/**
 * `/api/token/verify/`: any valid token, access or refresh, whose session
 * is live. Unlike SimpleJWT, a revoked token is 401 `Token is blacklisted`.
 * @throws {TokenError}
 */
export async function verifyAnyToken(ctx: AuthContext, token: unknown): Promise<void> {
  const legacy = ctx.legacySimplejwt;
  if (legacy?.read(token, 'access') !== undefined) return;
  const legacyRefresh = legacy?.read(token, 'refresh');
  if (legacyRefresh !== undefined) return verifyLegacyRefreshToken(ctx, legacyRefresh);
  const raw = readToken(ctx.jwt, ctx.settings, ctx.clock, token);
  if (raw.token_type === 'refresh') {
    // Exactly what refresh and blacklist accept.
    await readRefreshToken(ctx, token);
    return;
  }
  const sessionId = sessionIdOf(raw);
  const session = sessionId === undefined ? undefined : await ctx.sessions.find(sessionId);
  if (session !== undefined && session.revokedAt !== null) throw new TokenError(tokenMessages.blacklisted);
  requireClaims(raw);
  if (session === undefined) throw new TokenError(tokenMessages.blacklisted);
  // A token naming one user and another's session is no token of either.
  if (session.userId !== userIdOf(raw)) throw invalidToken();
}
