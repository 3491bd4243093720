/**
 * DPoP-bound access tokens on tessera's protected routes (RFC 9449 §7.1).
 * An access token whose claims name a key (`cnf.jkt`, minted so with
 * `TESSERA_DPOP_ACCESS=on`) is good only with `Authorization: DPoP <token>`
 * and a `DPoP` proof for this request, by that key, whose `ath` is the
 * token's hash, with a nonce tessera handed out, used once.
 *
 * The route table's authentication calls {@link requireAccessProof} for every
 * protected route, so none can forget it; and it decides by the token alone,
 * whatever `TESSERA_DPOP_ACCESS` says now, so tokens bound before a restart
 * stay bound until they expire. An unbound token costs one property read.
 */
import { DpopProofError, boundKeyOf, verifyBoundProof } from '@tessera/verify/dpop';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/access.js';
import type { AuthContext } from '../auth/context.js';
import { dpopRefused, requestUrl, requireFirstUse, requireNonce } from './dpop.js';
import { logSecurityEvent } from './security-log.js';

/** How the request carried its access token: `Authorization: Bearer`, `Authorization: DPoP`, or cookie mode's cookie. */
export type AccessTokenCarrier = 'bearer' | 'dpop' | 'cookie';

/**
 * The principal, once its request proves the key its token is bound to; the
 * principal as it is when the token is unbound and came as Bearer or cookie.
 * @throws {AuthError} 401 `invalid_dpop_proof` (with a `DPoP` challenge) or `use_dpop_nonce`.
 *
 * @example
 * ```ts
 * return andThen(authenticate(ctx, token), (principal) => requireAccessProof(ctx, request, token, 'dpop', principal));
 * ```
 */
export function requireAccessProof(
  ctx: AuthContext,
  request: FastifyRequest,
  token: string,
  carrier: AccessTokenCarrier,
  principal: Principal,
): Principal | Promise<Principal> {
  // The hot path: an unbound token sent as Bearer (or by cookie) needs nothing more.
  if (principal.claims.cnf === undefined && carrier !== 'dpop') return principal;
  return checkProof(ctx, request, token, carrier, principal).catch((error: unknown) => {
    if (!(error instanceof DpopProofError)) throw error;
    logSecurityEvent(request, 'dpop_proof_refused', {
      userId: principal.user.id,
      sessionId: principal.sessionId,
      reason: error.message,
    });
    throw dpopRefused(error);
  });
}

async function checkProof(
  ctx: AuthContext,
  request: FastifyRequest,
  token: string,
  carrier: AccessTokenCarrier,
  principal: Principal,
): Promise<Principal> {
  const jkt = boundKeyOf(principal.claims);
  if (jkt === undefined) {
    throw new DpopProofError('This access token is bound to no key: send it as Bearer.');
  }
  // §7.1: a bound token as Bearer is refused, so that a resource server that knows no DPoP cannot be shown it.
  if (carrier === 'bearer') {
    throw new DpopProofError('This access token is bound to a key: send it as Authorization: DPoP, with a proof.');
  }
  const proof = await verifyBoundProof(request.headers.dpop, {
    method: request.method,
    url: requestUrl(request),
    now: ctx.clock.now(),
    accessToken: token,
    jkt,
  });
  requireNonce(ctx, proof);
  await requireFirstUse(ctx, proof);
  return principal;
}
