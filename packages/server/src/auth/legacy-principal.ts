import { hashDrfToken, DRF_TOKEN_DETAILS } from '../legacy/drf-tokens.js';
import { AuthError } from '../errors.js';
import type { SessionUser } from '../store/types.js';
import type { VerifiedClaims } from '../tokens/claims.js';
import type { Principal } from './access.js';
import { auditEntry, type ClientInfo } from './audit.js';
import { subjectOf, type AuthContext } from './context.js';

/**
 * The caller of a credential from before a move from Django: no tessera
 * session, and the claims a tessera access token of the user would carry
 * (`user_id` as text, the extra claims configured), so that guards reading
 * claims see the same user.
 */
export function legacyPrincipal(ctx: AuthContext, user: SessionUser, token: { jti: string; exp: number }): Principal {
  const claims: VerifiedClaims = {
    token_type: 'access',
    exp: token.exp,
    jti: token.jti,
    user_id: String(user.id),
    username: user.username,
  };
  const subject = subjectOf(user);
  for (const name of ctx.settings.extraClaims) claims[name] = subject[name];
  return { user, sessionId: undefined, claims };
}

/**
 * `Authorization: Token <key>`, as DRF's TokenAuthentication answers it: the
 * key's owner, who must be active. Each use is recorded as `legacy_token_used`.
 * @throws {AuthError} 401 with DRF's detail.
 */
export async function authenticateDrfToken(ctx: AuthContext, key: string, client: ClientInfo): Promise<Principal> {
  const user = await ctx.store.findDrfTokenUser(hashDrfToken(key));
  if (user === undefined) throw new AuthError('authentication_failed', { detail: DRF_TOKEN_DETAILS.invalid });
  if (!user.isActive) throw new AuthError('authentication_failed', { detail: DRF_TOKEN_DETAILS.inactive });
  const now = ctx.clock.now();
  await ctx.store.appendAudit(
    auditEntry('legacy_token_used', client, now, {
      userId: user.id,
      username: user.username,
      details: { kind: 'drf_token' },
    }),
  );
  // A DRF key does not expire: the claims are this request's.
  return legacyPrincipal(ctx, user, { jti: '', exp: Math.floor(now / 1000) });
}
