/**
 * The `DPoP` header on the token endpoints (RFC 9449), as `TESSERA_DPOP` says:
 * read, checked against the request, and its `jti` remembered, so that a
 * proof is good for one request only. On refresh a proof must also carry a
 * recent server nonce (see dpop/nonce.ts), which every login and refresh
 * with a proof hands out in `DPoP-Nonce`: a proof cannot be made in advance.
 *
 * `htu` is compared with the URL the client addressed: the request's scheme
 * and `Host` (a trusted proxy's `X-Forwarded-Proto` and `X-Forwarded-Host`,
 * see {@link requestOrigin}) and its path, without the query. Behind a proxy
 * that is not in `TESSERA_TRUSTED_PROXIES`, tessera sees the proxy's inner
 * URL and refuses every proof: trust the proxy, or have it pass `Host` and
 * the scheme through.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../auth/context.js';
import type { DpopPresentation } from '../auth/refresh.js';
import {
  DPOP_ALGORITHMS,
  DpopProofError,
  normalizeHtu,
  replayEntryOf,
  verifyDpopProof,
  type VerifiedProof,
} from '@tessera/verify/dpop';
import { AuthError } from '../errors.js';
import { requestOrigin } from './request-origin.js';

/**
 * The request's DPoP proof, checked: undefined when there is none (or DPoP is
 * off); a {@link DpopProofError} when it fails a check, is a replay, or is
 * missing while `TESSERA_DPOP=required`. Nothing is read or loaded when the
 * header is absent.
 */
export async function presentedDpopProof(
  ctx: AuthContext,
  request: FastifyRequest,
  { nonce }: { nonce: 'required' | 'not_checked' },
): Promise<DpopPresentation> {
  const mode = ctx.settings.dpop;
  const header = request.headers.dpop;
  if (mode === 'off') return undefined;
  if (header === undefined) {
    return mode === 'required' ? new DpopProofError('A DPoP proof is required.') : undefined;
  }
  const now = ctx.clock.now();
  try {
    const proof = await verifyDpopProof(header, { method: request.method, url: requestUrl(request), now });
    if (nonce === 'required') requireNonce(ctx, proof);
    await requireFirstUse(ctx, proof);
    return proof;
  } catch (error) {
    if (error instanceof DpopProofError) return error;
    throw error;
  }
}

/**
 * The nonce tessera handed out, current or one step old (RFC 9449 §8).
 * @throws {AuthError} 401 `use_dpop_nonce` with the nonce to use in `DPoP-Nonce`.
 */
export function requireNonce(ctx: AuthContext, proof: VerifiedProof): void {
  if (proof.nonce === undefined || !ctx.dpopNonces.accepts(proof.nonce)) throw useDpopNonce(ctx);
}

/**
 * Remembers the proof until it is too old to pass anyway, in the store,
 * which every instance shares: a proof is good for one request.
 * @throws {DpopProofError} when it was seen before.
 */
export async function requireFirstUse(ctx: AuthContext, proof: VerifiedProof): Promise<void> {
  const { id, until } = replayEntryOf(proof);
  if (!(await ctx.store.rememberDpopProof(id, until))) throw new DpopProofError('The DPoP proof has been used before.');
}

/** A refused proof as the contract answers it: 401, and how to authenticate (RFC 9449 §7.1). */
export function dpopRefused(error: DpopProofError): AuthError {
  return new AuthError('invalid_dpop_proof', {
    detail: error.message,
    headers: { 'www-authenticate': `DPoP error="invalid_dpop_proof", algs="${DPOP_ALGORITHMS.join(' ')}"` },
  });
}

/**
 * The 401 that asks for a proof with the current nonce (RFC 9449 §8): the
 * client retries at once with the nonce in `DPoP-Nonce`.
 */
function useDpopNonce(ctx: AuthContext): AuthError {
  return new AuthError('use_dpop_nonce', {
    headers: {
      'www-authenticate': `DPoP error="use_dpop_nonce", algs="${DPOP_ALGORITHMS.join(' ')}"`,
      'dpop-nonce': ctx.dpopNonces.current(),
    },
  });
}

/** Gives the client the nonce its next proof on refresh must carry, once it has sent one. */
export function sendDpopNonce(ctx: AuthContext, reply: FastifyReply, dpop: DpopPresentation): void {
  if (dpop !== undefined) void reply.header('dpop-nonce', ctx.dpopNonces.current());
}

/** The URL `htu` must name: what the client addressed, normalised as `htu` is. */
export function requestUrl(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0] ?? '';
  // A request target that is not a path (`*`, an absolute URL) cannot match any proof.
  return (path.startsWith('/') && normalizeHtu(`${requestOrigin(request)}${path}`)) || 'invalid:';
}
