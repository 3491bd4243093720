/**
 * The only module that touches the JWT library.
 *
 * Why fast-jwt: every protected request verifies a token, and fast-jwt's
 * synchronous verify is an order of magnitude faster than jose's async
 * `jwtVerify` (`npm run bench -- jwt`; docs/benchmarks.md, "The JWT
 * library"). jose stays the right tool for JWK/JWKS.
 *
 * Tokens are signed by the key ring's current key, whose `kid` every header
 * carries, and verified by the key the header's `kid` names, with a verifier
 * bound to that key's one algorithm. A token without a `kid` (issued before
 * keys had ids, or by SimpleJWT) is verified only while an HS256 key is
 * current or retired and still accepted.
 *
 * Before any crypto the token is checked for size, shape and header so that
 * hostile input is refused cheaply and the algorithm cannot be chosen by the
 * token. Time claims are checked by the caller against the injected clock.
 *
 * Verified access tokens are remembered (a bounded map per key set, oldest
 * out first): a client sends the same access token for minutes, and the HMAC
 * was a fifth of a protected request's CPU. What is remembered is only that
 * the signature and shape are good, which never changes for a given string
 * under one key; a new key set (a key revoked, say) starts an empty map, and a
 * retired key's tokens are remembered only until its window closes. Expiry
 * and revocation are checked by the callers on every request, and only
 * tokens a held key signed can enter, so the cache cannot be filled by
 * forgeries. Entries are found by the signature's end, but a hit must be the
 * whole token: another token with that ending is verified like any other.
 */
import { isUtf8 } from 'node:buffer';
import { createPublicKey } from 'node:crypto';
import type { SigningAlgorithm } from '@tessera/protocol';
import { createSigner, createVerifier } from 'fast-jwt';
import type { Clock } from '../clock.js';
import { invalidToken } from '../errors.js';

/** Tokens longer than this are refused before any parsing (4 KiB). */
export const MAX_TOKEN_LENGTH = 4096;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ALLOWED_HEADER_MEMBERS = new Set(['alg', 'typ', 'kid']);
const MAX_KID_LENGTH = 256;
/** Verified tokens remembered per key set; about 1 KiB each. */
const VERIFIED_CACHE_SIZE = 4096;
/** How much of a token's end keys the cache: every signature is at least this long. */
const CACHE_KEY_LENGTH = 43;

type Claims = Readonly<Record<string, unknown>>;

/** A key tokens are verified with: one algorithm, one kid. */
export interface VerifyingKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  /** Milliseconds since the epoch; Infinity for a next or current key. */
  readonly acceptedUntil: number;
  /** @internal fast-jwt's verifier bound to this key and algorithm. */
  readonly verify: (token: string) => unknown;
  /** @internal the canonical base64url length of a signature. */
  readonly signatureLength: number;
  /** @internal the characters a canonical signature may end with. */
  readonly lastCharacters: string;
}

/** The key tokens are signed with. */
export interface SigningKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  /** Signs `claims` (their key order is kept), with `kid` in the header. */
  readonly sign: (claims: Claims) => string;
}

/** What one load of the key ring holds: the signer and every accepted key. Build it with {@link createKeySet}. */
export interface KeySet {
  readonly signer: SigningKey;
  readonly byKid: ReadonlyMap<string, VerifyingKey>;
  /** The key for tokens without a kid: an HS256 key current or still accepted; none otherwise. */
  readonly withoutKid: VerifyingKey | undefined;
  /** @internal verified tokens, by the end of their signature. */
  readonly verified: Map<string, { token: string; claims: Claims; key: VerifyingKey }>;
}

/**
 * `material` is the secret for HS256, else the public key as SPKI PEM.
 * @example
 * ```ts
 * const key = createVerifyingKey({ kid, algorithm: 'EdDSA', material: publicPem, acceptedUntil: Infinity });
 * ```
 */
export function createVerifyingKey(input: {
  kid: string;
  algorithm: SigningAlgorithm;
  material: string;
  acceptedUntil: number;
}): VerifyingKey {
  const { kid, algorithm, material, acceptedUntil } = input;
  if (material.length === 0) throw new TypeError('createVerifyingKey needs a non-empty key.');
  const key = algorithm === 'HS256' ? Buffer.from(material, 'utf8') : material;
  const verify = createVerifier({
    key,
    algorithms: [algorithm],
    cache: false,
    ignoreExpiration: true,
    ignoreNotBefore: true,
  });
  const bytes = signatureBytes(algorithm, material);
  // base64url without padding; the last character's unused low bits must be zero (one spelling per signature).
  const unusedBits = (6 - ((bytes * 8) % 6)) % 6;
  const lastCharacters = [...BASE64URL].filter((_, value) => value % (1 << unusedBits) === 0).join('');
  return { kid, algorithm, acceptedUntil, verify, signatureLength: Math.ceil((bytes * 8) / 6), lastCharacters };
}

function signatureBytes(algorithm: SigningAlgorithm, publicPem: string): number {
  if (algorithm === 'HS256') return 32;
  if (algorithm === 'EdDSA' || algorithm === 'ES256') return 64;
  return Math.ceil((createPublicKey(publicPem).asymmetricKeyDetails?.modulusLength ?? 2048) / 8);
}

/**
 * `material` is the secret for HS256, else the private key as PKCS#8 PEM.
 * @example
 * ```ts
 * const signer = createSigningKey({ kid, algorithm: 'HS256', material: secretKey });
 * ```
 */
export function createSigningKey(input: { kid: string; algorithm: SigningAlgorithm; material: string }): SigningKey {
  const { kid, algorithm, material } = input;
  if (material.length === 0) throw new TypeError('createSigningKey needs a non-empty key.');
  const key = algorithm === 'HS256' ? Buffer.from(material, 'utf8') : material;
  // Claims carry their own iat (from the injected clock), which fast-jwt keeps.
  const signer = createSigner({ key, algorithm, kid });
  return { kid, algorithm, sign: (claims) => signer(claims as Record<string, unknown>) };
}

/**
 * @example
 * ```ts
 * const current = createVerifyingKey({ kid, algorithm: 'HS256', material: secret, acceptedUntil: Infinity });
 * const set = createKeySet(createSigningKey({ kid, algorithm: 'HS256', material: secret }), [current], current);
 * ```
 */
export function createKeySet(
  signer: SigningKey,
  keys: readonly VerifyingKey[],
  withoutKid: VerifyingKey | undefined,
): KeySet {
  return { signer, byKid: new Map(keys.map((key) => [key.kid, key])), withoutKid, verified: new Map() };
}

export interface JwtCodec {
  /** Signs `claims` (their key order is kept) with the current key. */
  sign(claims: Claims): string;
  /**
   * Checks shape, header, key, algorithm and signature and returns the claims.
   * @throws {TokenError} `Token is invalid` for anything else.
   */
  verify(token: unknown): Claims;
}

/**
 * A codec over the key set `keys()` answers now (the key ring's, which may
 * change between calls).
 * @example
 * ```ts
 * const jwt = createJwtCodec(() => ring.keys(), clock);
 * const claims = jwt.verify(jwt.sign({ token_type: 'access', exp: 1 }));
 * ```
 */
export function createJwtCodec(keys: () => KeySet, clock: Clock): JwtCodec {
  return {
    sign: (claims) => keys().signer.sign(claims),
    verify(token) {
      const set = keys();
      if (typeof token !== 'string') throw invalidToken();
      const known = set.verified.get(token.slice(-CACHE_KEY_LENGTH));
      if (known?.token === token && stillAccepted(known.key, clock)) return known.claims;
      const key = keyFor(set, token, clock);
      const frozen = claimsVerifiedBy(key, token);
      // A refresh token is presented once (rotation): remembering it would only evict access tokens.
      if (frozen.token_type !== 'refresh') remember(set, token, frozen, key);
      return frozen;
    },
  };
}

/**
 * A verifier of another issuer's HS256 tokens without a `kid` (SimpleJWT's,
 * during a move from Django), with the checks tessera's own tokens get
 * before any crypto, and accepted only before `acceptedUntil`. It cannot sign.
 * @example
 * ```ts
 * const verify = createVerifyOnlyKey(djangoSigningKey, Date.UTC(2027, 0, 31), clock);
 * verify(simplejwtToken); // its claims, or TokenError `Token is invalid`
 * ```
 */
export function createVerifyOnlyKey(secret: string, acceptedUntil: number, clock: Clock): (token: unknown) => Claims {
  const key = createVerifyingKey({ kid: '', algorithm: 'HS256', material: secret, acceptedUntil });
  const set = { byKid: new Map<string, VerifyingKey>(), withoutKid: key };
  return (token) => {
    if (typeof token !== 'string') throw invalidToken();
    return claimsVerifiedBy(keyFor(set, token, clock), token);
  };
}

/** The claims of `token`, whose signature `key` must verify, frozen; else `Token is invalid`. */
function claimsVerifiedBy(key: VerifyingKey, token: string): Claims {
  let claims: unknown;
  try {
    claims = key.verify(token);
  } catch {
    throw invalidToken();
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw invalidToken();
  return Object.freeze(claims as Record<string, unknown>);
}

function stillAccepted(key: VerifyingKey, clock: Clock): boolean {
  return key.acceptedUntil === Infinity || clock.now() < key.acceptedUntil;
}

function remember(set: KeySet, token: string, claims: Claims, key: VerifyingKey): void {
  const { verified } = set;
  if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
  verified.set(token.slice(-CACHE_KEY_LENGTH), { token, claims, key });
}

/** The key `token` must be verified with, after the checks that need no crypto. */
function keyFor(set: Pick<KeySet, 'byKid' | 'withoutKid'>, token: string, clock: Clock): VerifyingKey {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw invalidToken();
  }
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  const header = parseJson(segmentBytes(token.slice(0, firstDot)).toString('utf8'));
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalidToken();
  const members = header as Record<string, unknown>;
  for (const name of Object.keys(members)) {
    if (!ALLOWED_HEADER_MEMBERS.has(name)) throw invalidToken();
  }
  if (members.typ !== undefined && members.typ !== 'JWT') throw invalidToken();
  const { kid } = members;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH)) throw invalidToken();
  const key = kid === undefined ? set.withoutKid : set.byKid.get(kid);
  // The key decides the algorithm; the header must agree.
  if (key === undefined || members.alg !== key.algorithm || !stillAccepted(key, clock)) throw invalidToken();
  if (token.length - lastDot - 1 !== key.signatureLength || !key.lastCharacters.includes(token.at(-1)!)) {
    throw invalidToken();
  }
  // fast-jwt decodes the payload leniently (a stray last character is
  // dropped, bad UTF-8 becomes U+FFFD); PyJWT refuses both, and so do we.
  segmentBytes(token.slice(firstDot + 1, lastDot));
  return key;
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
