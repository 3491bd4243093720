import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

/** A client's DPoP key: what signs its proofs, and the public JWK they carry. */
export interface DpopKey {
  alg: 'ES256' | 'EdDSA' | 'RS256';
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

/** A fresh key pair, as a client makes one. */
export function dpopKey(alg: DpopKey['alg'] = 'ES256'): DpopKey {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, privateKey: pair.privateKey, publicJwk: pair.publicKey.export({ format: 'jwk' }) };
}

export interface ProofOptions {
  htm?: string;
  /** Seconds since the epoch. */
  iat?: number;
  jti?: string;
  /** Replaces the header members (`typ`, `alg`, `jwk`, …); `undefined` removes one. */
  header?: Record<string, unknown>;
  /** Replaces claims; `undefined` removes one. */
  claims?: Record<string, unknown>;
  /** Signs with this key instead of `key`'s (the header still carries `key`'s JWK). */
  signer?: DpopKey;
}

/**
 * A DPoP proof (RFC 9449 §4.2) by `key` for `htu`, as a client builds one,
 * or broken as `options` say: built by hand, so that a test can send what no
 * library would sign (`alg` `none`, a private `jwk`, a wrong `typ`).
 *
 * @example
 * ```ts
 * const proof = dpopProof(dpopKey(), 'http://localhost/api/token/', { iat: clock.now() / 1000 });
 * ```
 */
export function dpopProof(key: DpopKey, htu: string, options: ProofOptions = {}): string {
  const header = { typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...options.header };
  const claims = {
    jti: options.jti ?? randomUUID(),
    htm: options.htm ?? 'POST',
    htu,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    ...options.claims,
  };
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${signature(options.signer ?? key, String(header.alg), input)}`;
}

function signature(key: DpopKey, alg: string, input: string): string {
  const data = Buffer.from(input);
  if (alg === 'none') return '';
  if (alg === 'HS256') return createHmac('sha256', 'a shared secret').update(data).digest('base64url');
  if (key.alg === 'ES256')
    return sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  if (key.alg === 'EdDSA') return sign(null, data, key.privateKey).toString('base64url');
  return sign('sha256', data, key.privateKey).toString('base64url');
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
