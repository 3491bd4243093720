/**
 * A key ring's contents at one moment, built from the stored rows: the
 * current key to sign with (its private half opened here, once per load), the
 * keys tokens are accepted from, and the public keys the JWKS serves.
 */
import { createPublicKey } from 'node:crypto';
import type { SigningAlgorithm } from '@tessera/protocol';
import type { Config } from '../config.js';
import type { SigningKeyRecord } from '../store/types.js';
import { createKeySet, createSigningKey, createVerifyingKey, type KeySet, type VerifyingKey } from '../tokens/jwt.js';
import type { PublicJwk } from './generate.js';
import { openPrivateKey } from './seal.js';

/** The settings that decide how long a retired key is still accepted. */
export type KeyWindowSettings = Pick<Config, 'refreshTokenTtlSeconds' | 'sessionMaxAgeSeconds' | 'leewaySeconds'>;

/** A key set and what is published beside it. */
export interface LoadedKeys {
  readonly set: KeySet;
  /** Public keys of next, current and accepted retired asymmetric keys, each with until when it is published. */
  readonly published: readonly { jwk: PublicJwk; until: number }[];
  /** The algorithms of every accepted key. */
  readonly algorithms: readonly { algorithm: SigningAlgorithm; until: number }[];
}

/** No current key: the store holds keys but none signs (see `ensureSigningKeys`). */
export class NoCurrentKeyError extends Error {
  override name = 'NoCurrentKeyError';
  constructor() {
    super('the store holds no current signing key; run `tessera keys list` and restart tessera to make one');
  }
}

/**
 * How long after retirement a key's tokens may still be presented: the
 * longest a token lives (a refresh token, capped by the session's age) plus
 * the leeway.
 */
export function retiredWindowMs(settings: KeyWindowSettings): number {
  return (Math.min(settings.refreshTokenTtlSeconds, settings.sessionMaxAgeSeconds) + settings.leewaySeconds) * 1000;
}

/** Until when `row`'s tokens are accepted (and its public key published); 0 for a revoked key. */
export function acceptedUntil(row: SigningKeyRecord, windowMs: number): number {
  if (row.state === 'revoked') return 0;
  if (row.state === 'retired') return (row.retiredAt ?? 0) + windowMs;
  return Infinity;
}

/**
 * Builds the key set from `rows` as of `now`.
 * @throws {NoCurrentKeyError} without a current key.
 * @throws {KeySealError} when the current key's private half does not open under `secretKey`.
 */
export function loadKeys(
  rows: readonly SigningKeyRecord[],
  secretKey: string,
  settings: KeyWindowSettings,
  now: number,
): LoadedKeys {
  const windowMs = retiredWindowMs(settings);
  const current = rows.find((row) => row.state === 'current');
  if (current === undefined) throw new NoCurrentKeyError();
  const accepted = rows.filter((row) => acceptedUntil(row, windowMs) > now);
  const verifying = accepted.map((row): VerifyingKey =>
    createVerifyingKey({
      kid: row.kid,
      algorithm: row.algorithm,
      material: row.algorithm === 'HS256' ? secretKey : publicPem(row),
      acceptedUntil: acceptedUntil(row, windowMs),
    }),
  );
  const signer = createSigningKey({
    kid: current.kid,
    algorithm: current.algorithm,
    material:
      current.algorithm === 'HS256' ? secretKey : openPrivateKey(secretKey, current.kid, current.privateKey ?? ''),
  });
  // A next key that would not open fails now, at start, rather than at its promotion.
  const next = rows.find((row) => row.state === 'next' && row.privateKey !== null);
  if (next !== undefined) openPrivateKey(secretKey, next.kid, next.privateKey!);
  // Tokens without a kid: while an HS256 key signs, or the longest-accepted retired one (never a next key).
  const withoutKid = verifying
    .filter((key) => key.algorithm === 'HS256' && rows.find((row) => row.kid === key.kid)?.state !== 'next')
    .sort((a, b) => b.acceptedUntil - a.acceptedUntil)[0];
  const published = accepted
    .filter((row) => row.publicJwk !== null)
    .map((row) => ({ jwk: JSON.parse(row.publicJwk!) as PublicJwk, until: acceptedUntil(row, windowMs) }));
  const algorithms = verifying.map((key) => ({ algorithm: key.algorithm, until: key.acceptedUntil }));
  return { set: createKeySet(signer, verifying, withoutKid), published, algorithms };
}

function publicPem(row: SigningKeyRecord): string {
  const jwk = JSON.parse(row.publicJwk ?? '{}') as Record<string, string>;
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}
