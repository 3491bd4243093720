/**
 * New signing keys: a key pair from node:crypto for EdDSA (Ed25519), ES256
 * (P-256) or RS256 (RSA 2048), named by its RFC 7638 thumbprint, its private
 * half sealed; or an HS256 row, whose material is `TESSERA_SECRET_KEY` and
 * whose kid is random (never anything computed from the secret).
 */
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '@tessera/protocol';
import type { SigningKeyRecord, SigningKeyState } from '../store/types.js';
import { sealPrivateKey } from './seal.js';

/** A public JWK as the JWKS serves it: only these members. */
export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

/** The members RFC 7638 hashes, per key type, in its (lexicographic) order. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  OKP: ['crv', 'kty', 'x'],
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK, base64url.
 * @example
 * ```ts
 * jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' });
 * // 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k'
 * ```
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (members === undefined) throw new TypeError(`no thumbprint for key type ${String(jwk.kty)}`);
  const required = Object.fromEntries(members.map((name) => [name, jwk[name]]));
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

function keyPair(algorithm: Exclude<SigningAlgorithm, 'HS256'>): { publicKey: KeyObject; privateKey: KeyObject } {
  if (algorithm === 'EdDSA') return generateKeyPairSync('ed25519');
  if (algorithm === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/**
 * A new key of `algorithm` in `state`, ready for the store.
 * @example
 * ```ts
 * const next = generateSigningKey('EdDSA', secretKey, 'next', clock.now());
 * ```
 */
export function generateSigningKey(
  algorithm: SigningAlgorithm,
  secretKey: string,
  state: Extract<SigningKeyState, 'next' | 'current'>,
  now: number,
): SigningKeyRecord {
  const dates = { createdAt: now, activatedAt: state === 'current' ? now : null, retiredAt: null, revokedAt: null };
  if (algorithm === 'HS256') {
    return {
      kid: randomBytes(32).toString('base64url'),
      algorithm,
      publicJwk: null,
      privateKey: null,
      state,
      ...dates,
    };
  }
  const { publicKey, privateKey } = keyPair(algorithm);
  const exported = publicKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(exported);
  const members = THUMBPRINT_MEMBERS[String(exported.kty)]!;
  const jwk = { ...Object.fromEntries(members.map((name) => [name, exported[name]])), kid, alg: algorithm, use: 'sig' };
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    kid,
    algorithm,
    publicJwk: JSON.stringify(jwk),
    privateKey: sealPrivateKey(secretKey, kid, pem),
    state,
    ...dates,
  };
}
