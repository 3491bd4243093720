/**
 * A token's shape, header and signature: everything decided by the bytes
 * alone. Claims (time, issuer, audience, type) are checked in claims.ts.
 *
 * Hostile input is refused before any crypto, as tessera's own codec does:
 * at most 4096 characters, three canonical base64url segments, a header of
 * only `alg`, `typ` and `kid` (so `jku`, `x5u`, `jwk`, `crit`… are refused,
 * never followed), UTF-8 JSON objects. The algorithm is the key's, never the
 * token's choice: a token whose `alg` differs from its key's is refused.
 *
 * Why node:crypto's synchronous `verify` with a KeyObject (made by jose's
 * `importJWK`): it is the fastest correct choice we measured, tied with
 * fast-jwt (which calls the same function after parsing the token again)
 * and 2–5× jose's async `jwtVerify` (WebCrypto and a promise per call). On
 * the 2-core machine this was written on (shared, so noisy), verifies/s of
 * one tessera access token in a loop, two rounds of 0.7 s per candidate:
 *
 * | alg   | node:crypto sync | fast-jwt | jose jwtVerify | node:crypto callback |
 * | ----- | ---------------: | -------: | -------------: | -------------------: |
 * | EdDSA |      7,700–7,900 |    7,700 |    3,400–3,800 |          5,200–5,600 |
 * | ES256 |    11,000–12,300 |   11,500 |          4,700 |                7,400 |
 * | RS256 |    32,800–34,900 |   31,000 |    5,900–6,100 |               11,600 |
 *
 * The signature is only computed on a miss: verifier.ts remembers tokens
 * whose signature was good (`npm run bench -- verify` measures hits and misses).
 */
import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '@tessera/protocol';
import { tokenNotValid } from './errors.js';

/** Tokens longer than this are refused before any parsing (4 KiB), as tessera does. */
export const MAX_TOKEN_LENGTH = 4096;
const MAX_KID_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const ALLOWED_HEADER_MEMBERS = new Set(['alg', 'typ', 'kid']);

/** A key a token may be verified with: its algorithm is bound to it. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** A public key, or for HS256 the secret. */
  readonly key: KeyObject;
  /** The only signature length this key can produce, in bytes. */
  readonly signatureBytes: number;
}

/** A token that passed the cheap checks; its signature is not verified yet. */
export interface ParsedToken {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly signingInput: string;
  readonly payloadSegment: string;
  readonly signature: Buffer;
}

/**
 * Size, shape and header, before any crypto.
 * @throws {VerifyError} `token_not_valid` (`Token is invalid`).
 */
export function parseToken(token: unknown): ParsedToken {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw tokenNotValid();
  }
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  const header = parseObject(token.slice(0, firstDot));
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADER_MEMBERS.has(name)) throw tokenNotValid();
  }
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string') throw tokenNotValid();
  if (typ !== undefined && typ !== 'JWT') throw tokenNotValid();
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH)) {
    throw tokenNotValid();
  }
  const signatureSegment = token.slice(lastDot + 1);
  const signature = Buffer.from(signatureSegment, 'base64url');
  // One spelling per signature: no second token string verifies with the same bytes.
  if (signature.toString('base64url') !== signatureSegment) throw tokenNotValid();
  return {
    alg,
    kid,
    signingInput: token.slice(0, lastDot),
    payloadSegment: token.slice(firstDot + 1, lastDot),
    signature,
  };
}

/**
 * Whether `key` signed `token`, with the key's own algorithm.
 * @throws {VerifyError} `token_not_valid` when it did not.
 */
export function requireSignature(token: ParsedToken, key: VerificationKey): void {
  if (token.alg !== key.alg || token.signature.length !== key.signatureBytes) throw tokenNotValid();
  let good: boolean;
  const data = Buffer.from(token.signingInput, 'latin1');
  switch (key.alg) {
    case 'HS256':
      good = timingSafeEqual(createHmac('sha256', key.key).update(data).digest(), token.signature);
      break;
    case 'EdDSA':
      good = verifySignature(null, data, key.key, token.signature);
      break;
    case 'ES256':
      good = verifySignature('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, token.signature);
      break;
    case 'RS256':
      good = verifySignature('sha256', data, key.key, token.signature);
      break;
  }
  if (!good) throw tokenNotValid();
}

/**
 * The payload of a token whose signature is good.
 * @throws {VerifyError} `token_not_valid` when it is not a JSON object in UTF-8.
 */
export function decodeClaims(token: ParsedToken): Record<string, unknown> {
  return parseObject(token.payloadSegment);
}

function parseObject(segment: string): Record<string, unknown> {
  // A base64url length of 1 mod 4 cannot come from any byte string.
  if (segment.length % 4 === 1) throw tokenNotValid();
  const bytes = Buffer.from(segment, 'base64url');
  if (!isUtf8(bytes)) throw tokenNotValid();
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw tokenNotValid();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw tokenNotValid();
  return value as Record<string, unknown>;
}
