/**
 * From an `Authorization` header to claims, with tessera's answers: no
 * credentials, a malformed Bearer header, or the token's own failure. The
 * header is read by @tessera/protocol's `parseAuthorizationHeader`, as tessera reads it.
 */
import { parseAuthorizationHeader } from '@tessera/protocol';
import type { AccessClaims } from './claims.js';
import { VerifyError } from './errors.js';
import type { Verifier } from './verifier.js';

/**
 * The claims of the request's Bearer token.
 * @throws {VerifyError} 401 `not_authenticated`, `bad_authorization_header` or `token_not_valid`; 503 when validity cannot be confirmed.
 *
 * @example
 * ```ts
 * const claims = await authenticateRequest(verifier, request.headers.authorization);
 * ```
 */
export function authenticateRequest(
  verifier: Pick<Verifier, 'verify'>,
  header: string | undefined | null,
): Promise<AccessClaims> {
  const parsed = parseAuthorizationHeader(header);
  if (parsed.kind === 'absent') return Promise.reject(new VerifyError('not_authenticated'));
  if (parsed.kind === 'malformed') return Promise.reject(new VerifyError('bad_authorization_header'));
  return verifier.verify(parsed.token);
}

export { parseAuthorizationHeader, type AuthorizationHeader } from '@tessera/protocol';
