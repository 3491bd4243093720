/**
 * The only module that touches the JWT library.
 *
 * Why fast-jwt: every protected request verifies a token, and fast-jwt's
 * synchronous verify is an order of magnitude faster than jose's async
 * `jwtVerify` (`npm run bench -- jwt`; docs/benchmarks.md, "The JWT
 * library"). jose stays the right tool for JWK/JWKS.
 *
 * Before any crypto the token is checked for size, shape and header so that
 * hostile input is refused cheaply and the algorithm cannot be chosen by the
 * token. Time claims are checked by the caller against the injected clock.
 *
 * Verified access tokens are remembered (a bounded map, oldest out first): a
 * client sends the same access token for minutes, and the HMAC was a fifth of
 * a protected request's CPU. What is remembered is only that the signature
 * and shape are good, which never changes for a given string under one key;
 * expiry and revocation are checked by the callers on every request, and only
 * tokens this key signed can enter, so the cache cannot be filled by
 * forgeries. Entries are found by the signature, but a hit must be the whole
 * token: another token with that signature is verified like any other.
 */
import { isUtf8 } from 'node:buffer';
import { createSigner, createVerifier } from 'fast-jwt';
import { invalidToken } from '../errors.js';

/** Tokens longer than this are refused before any parsing (4 KiB). */
export const MAX_TOKEN_LENGTH = 4096;

const ALGORITHM = 'HS256';
// An HS256 signature is 32 bytes: 43 base64url characters, the last of which
// carries 4 bits and 2 zero bits. Requiring those zero bits makes the encoding
// canonical, so that no token has a second spelling that also verifies.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const ALLOWED_HEADER_MEMBERS = new Set(['alg', 'typ', 'kid']);
const MAX_KID_LENGTH = 256;
/** Verified tokens remembered; about 1 KiB each. */
const VERIFIED_CACHE_SIZE = 4096;
/** The base64url length of an HS256 signature, the last segment of a token. */
const SIGNATURE_LENGTH = 43;

export interface JwtCodec {
  /** Signs `claims` (their key order is kept) with HS256. */
  sign(claims: Readonly<Record<string, unknown>>): string;
  /**
   * Checks shape, header, algorithm and signature and returns the claims.
   * @throws {TokenError} `Token is invalid` for anything else.
   */
  verify(token: unknown): Readonly<Record<string, unknown>>;
}

/**
 * @example
 * ```ts
 * const jwt = createJwtCodec('a secret of at least thirty-two characters');
 * const claims = jwt.verify(jwt.sign({ token_type: 'access', exp: 1 }));
 * ```
 */
export function createJwtCodec(secretKey: string): JwtCodec {
  if (secretKey.length === 0) throw new TypeError('createJwtCodec needs a non-empty secret key.');
  const key = Buffer.from(secretKey, 'utf8');
  // Claims carry their own iat (from the injected clock), which fast-jwt keeps.
  const signer = createSigner({ key, algorithm: ALGORITHM });
  const verifier = createVerifier({
    key,
    algorithms: [ALGORITHM],
    cache: false,
    ignoreExpiration: true,
    ignoreNotBefore: true,
  });

  // Keyed by the signature: V8 hashes a string key whole, and a whole token
  // is five times longer than its signature; a hit still compares the whole token.
  const verified = new Map<string, { token: string; claims: Readonly<Record<string, unknown>> }>();
  const remember = (token: string, claims: Readonly<Record<string, unknown>>) => {
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token.slice(-SIGNATURE_LENGTH), { token, claims });
  };

  return {
    sign: (claims) => signer(claims as Record<string, unknown>),
    verify(token) {
      if (typeof token === 'string') {
        const known = verified.get(token.slice(-SIGNATURE_LENGTH));
        if (known?.token === token) return known.claims;
      }
      assertWellFormed(token);
      let claims: unknown;
      try {
        claims = verifier(token);
      } catch {
        throw invalidToken();
      }
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw invalidToken();
      const frozen = Object.freeze(claims as Record<string, unknown>);
      // A refresh token is presented once (rotation): remembering it would only evict access tokens.
      if (frozen.token_type !== 'refresh') remember(token, frozen);
      return frozen;
    },
  };
}

function assertWellFormed(token: unknown): asserts token is string {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw invalidToken();
  }
  const [headerSegment = '', payloadSegment = ''] = token.split('.');
  const header = parseJson(segmentBytes(headerSegment).toString('utf8'));
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalidToken();
  const members = header as Record<string, unknown>;
  for (const name of Object.keys(members)) {
    if (!ALLOWED_HEADER_MEMBERS.has(name)) throw invalidToken();
  }
  if (members.alg !== ALGORITHM) throw invalidToken();
  if (members.typ !== undefined && members.typ !== 'JWT') throw invalidToken();
  if (members.kid !== undefined && (typeof members.kid !== 'string' || members.kid.length > MAX_KID_LENGTH)) {
    throw invalidToken();
  }
  // fast-jwt decodes the payload leniently (a stray last character is
  // dropped, bad UTF-8 becomes U+FFFD); PyJWT refuses both, and so do we.
  segmentBytes(payloadSegment);
}

/** The bytes of a base64url segment, which must be UTF-8, or `Token is invalid`. */
function segmentBytes(segment: string): Buffer {
  // A base64url length of 1 mod 4 cannot come from any byte string.
  if (segment.length % 4 === 1) throw invalidToken();
  const bytes = Buffer.from(segment, 'base64url');
  if (!isUtf8(bytes)) throw invalidToken();
  return bytes;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidToken();
  }
}
