/**
 * From an `Authorization` header to claims, with tessera's answers: no
 * credentials, a malformed Bearer header, or the token's own failure.
 */
import type { AccessClaims } from './claims.js';
import { VerifyError } from './errors.js';
import type { Verifier } from './verifier.js';

/** What an `Authorization` header says: nothing for us, a malformed Bearer, or a token. */
export type AuthorizationHeader = { kind: 'absent' } | { kind: 'malformed' } | { kind: 'bearer'; token: string };

// Python's bytes.split(): ASCII white space only.
const WHITESPACE = /[ \t\n\r\f\v]+/;

/**
 * Parses `Authorization` as tessera does (SimpleJWT's rule, the scheme
 * matched case-insensitively). Another scheme is "absent".
 *
 * @example
 * ```ts
 * parseAuthorizationHeader('bearer abc'); // { kind: 'bearer', token: 'abc' }
 * parseAuthorizationHeader('Basic abc');  // { kind: 'absent' }
 * ```
 */
export function parseAuthorizationHeader(header: string | undefined | null): AuthorizationHeader {
  const parts = (header ?? '').split(WHITESPACE).filter((part) => part !== '');
  if (parts.length === 0 || parts[0]?.toLowerCase() !== 'bearer') return { kind: 'absent' };
  if (parts.length !== 2) return { kind: 'malformed' };
  return { kind: 'bearer', token: parts[1] as string };
}

/**
 * The claims of the request's Bearer token.
 * @throws {VerifyError} 401 `not_authenticated`, `bad_authorization_header` or `token_not_valid`; 503 when validity cannot be confirmed.
 *
 * @example
 * ```ts
 * const claims = await authenticateRequest(verifier, request.headers.authorization);
 * ```
 */
export async function authenticateRequest(
  verifier: Pick<Verifier, 'verify'>,
  header: string | undefined | null,
): Promise<AccessClaims> {
  const parsed = parseAuthorizationHeader(header);
  if (parsed.kind === 'absent') throw new VerifyError('not_authenticated');
  if (parsed.kind === 'malformed') throw new VerifyError('bad_authorization_header');
  return verifier.verify(parsed.token);
}
