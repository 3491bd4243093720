/**
 * The `Authorization` header as tessera reads it, here and in
 * @tessera/verify: SimpleJWT's rule (Python's `bytes.split()`, so ASCII white
 * space only), with the scheme matched case-insensitively (RFC 6750). The
 * `DPoP` scheme (RFC 9449 §7.1) is read by the same rule: it carries an
 * access token bound to a key, which a `DPoP` proof header must come with.
 */

/** What an `Authorization` header says: nothing for us, a malformed Bearer or DPoP, or a token and its scheme. */
export type AuthorizationHeader =
  { kind: 'absent' } | { kind: 'malformed' } | { kind: 'bearer'; token: string } | { kind: 'dpop'; token: string };

// Python's bytes.split(): ASCII white space only.
const WHITESPACE_RUN = /[ \t\n\r\f\v]+/;
const HAS_WHITESPACE = /[ \t\n\r\f\v]/;
const ABSENT: AuthorizationHeader = Object.freeze({ kind: 'absent' });
const MALFORMED: AuthorizationHeader = Object.freeze({ kind: 'malformed' });

/**
 * Parses `Authorization`. Another scheme is "absent", not an error, so that
 * other authenticators could take it.
 *
 * @example
 * ```ts
 * parseAuthorizationHeader('bearer abc'); // { kind: 'bearer', token: 'abc' }
 * parseAuthorizationHeader('DPoP abc');   // { kind: 'dpop', token: 'abc' }
 * parseAuthorizationHeader('Basic abc');  // { kind: 'absent' }
 * ```
 */
export function parseAuthorizationHeader(header: string | undefined | null): AuthorizationHeader {
  if (header === undefined || header === null) return ABSENT;
  // Every request of a client carries `Bearer <token>`: answered without splitting a 600-character string.
  if (header.length > 7 && header.charCodeAt(6) === 32 && header.slice(0, 6).toLowerCase() === 'bearer') {
    const token = header.slice(7);
    if (!HAS_WHITESPACE.test(token)) return { kind: 'bearer', token };
  }
  const parts = header.split(WHITESPACE_RUN).filter((part) => part !== '');
  const scheme = parts[0]?.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'dpop') return ABSENT;
  if (parts.length !== 2) return MALFORMED;
  return { kind: scheme, token: parts[1] as string };
}
