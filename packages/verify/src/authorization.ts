/**
 * From an `Authorization` header to claims, with tessera's answers: no
 * credentials, a malformed Bearer header, or the token's own failure. The
 * header is read by @tessera/protocol's `parseAuthorizationHeader`, as tessera reads it.
 */
import { parseAuthorizationHeader } from '@tessera/protocol';
import type { AccessClaims } from './claims.js';
import { VerifyError } from './errors.js';
import type { Verifier } from './verifier.js';

/** The request around the `Authorization` header, which a DPoP-bound token's proof must match. */
export interface RequestContext {
  method: string;
  /** The absolute URL the client addressed; the adapters build it from the request. */
  url: string;
  /** The `DPoP` header. */
  dpop: string | readonly string[] | undefined;
}

/**
 * The claims of the request's token: `Bearer`, or `DPoP` with a proof when
 * the token is bound to a key (tessera's `TESSERA_DPOP_ACCESS=on`). Without
 * `request`, a bound token is refused.
 * @throws {VerifyError} 401 `not_authenticated`, `bad_authorization_header`, `token_not_valid` or
 * `invalid_dpop_proof`; 503 when validity cannot be confirmed.
 *
 * @example
 * ```ts
 * const claims = await authenticateRequest(verifier, request.headers.authorization, {
 *   method: request.method,
 *   url: `https://${request.headers.host}${request.url}`,
 *   dpop: request.headers.dpop,
 * });
 * ```
 */
export function authenticateRequest(
  verifier: Pick<Verifier, 'verify'>,
  header: string | undefined | null,
  request?: RequestContext,
): Promise<AccessClaims> {
  const parsed = parseAuthorizationHeader(header);
  if (parsed.kind === 'absent') return Promise.reject(new VerifyError('not_authenticated'));
  if (parsed.kind === 'malformed') return Promise.reject(new VerifyError('bad_authorization_header'));
  if (request === undefined && parsed.kind === 'bearer') return verifier.verify(parsed.token);
  // Read lazily: an unbound Bearer token (the hot path) never builds the URL. A `DPoP` scheme
  // without the request around it is refused as a proof that is missing.
  return verifier.verify(parsed.token, {
    scheme: parsed.kind,
    get method() {
      return request?.method ?? '';
    },
    get url() {
      return request?.url ?? '';
    },
    get proof() {
      return request?.dpop;
    },
  });
}

export { parseAuthorizationHeader, type AuthorizationHeader } from '@tessera/protocol';
