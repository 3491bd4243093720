import { createHash, createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { DPOP_PROOF_FUTURE_SKEW_SECONDS, DPOP_PROOF_MAX_AGE_SECONDS } from '../../src/dpop-proof.js';

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

/** `ath` for `accessToken`, computed here independently of the code under test. */
export const athOf = (accessToken: string): string => createHash('sha256').update(accessToken).digest('base64url');

/** Makes a proof for `htu` as the suite's client would (its key, the current time, its nonce), changed by `options`, or by another key. */
export type MakeProof = (htu: string, options?: ProofOptions, by?: DpopKey) => string;

/** One row of the check table: a name, a proof for `htu` broken one way, and the `detail` of its refusal. */
export type CheckRow = [name: string, make: (htu: string) => string, detail: string];

/**
 * RFC 9449 §4.3's checks, one row each, as every endpoint that takes a proof
 * must refuse them: the token endpoints, tessera's protected routes and a
 * verifier. `proof` makes the suite's good proof by `key()`; `otherUrl` is
 * a URL of the same origin that the request is not for.
 */
export function proofCheckTable(
  proof: MakeProof,
  key: () => DpopKey,
  nowSeconds: () => number,
  otherUrl: string,
  method = 'POST',
): CheckRow[] {
  const rsa = dpopKey('RS256');
  const other = dpopKey();
  const otherMethod = method === 'GET' ? 'POST' : 'GET';
  return [
    ['not a JWS', () => 'not-a-proof', 'The DPoP proof is not a single compact JWS.'],
    [
      'alg none, unsigned',
      (htu) => proof(htu, { header: { alg: 'none' } }),
      'The DPoP proof is not a single compact JWS.',
    ],
    [
      'alg none, with a signature',
      (htu) => `${proof(htu, { header: { alg: 'none' } })}AAAA`,
      'The DPoP proof alg must be one of ES256, EdDSA.',
    ],
    ['alg HS256', (htu) => proof(htu, { header: { alg: 'HS256' } }), 'The DPoP proof alg must be one of ES256, EdDSA.'],
    ['alg RS256 with an RSA key', (htu) => proof(htu, {}, rsa), 'The DPoP proof alg must be one of ES256, EdDSA.'],
    ['typ JWT', (htu) => proof(htu, { header: { typ: 'JWT' } }), 'The DPoP proof typ must be dpop+jwt.'],
    ['no typ', (htu) => proof(htu, { header: { typ: undefined } }), 'The DPoP proof typ must be dpop+jwt.'],
    [
      'no jwk',
      (htu) => proof(htu, { header: { jwk: undefined } }),
      'The DPoP proof header must carry the public key as jwk.',
    ],
    [
      'a private key in jwk',
      (htu) => proof(htu, { header: { jwk: key().privateKey.export({ format: 'jwk' }) } }),
      'The DPoP proof jwk must be a public key, without private members.',
    ],
    [
      'a jwk of another curve than ES256 signs with',
      (htu) => proof(htu, { header: { jwk: { ...key().publicJwk, crv: 'P-384' } } }),
      'The DPoP proof is malformed, or its jwk is not a key for its alg.',
    ],
    [
      'signed by another key than its jwk',
      (htu) => proof(htu, { signer: other }),
      'The DPoP proof signature does not verify with its jwk.',
    ],
    [
      `htm ${otherMethod}`,
      (htu) => proof(htu, { htm: otherMethod }),
      'The DPoP proof htm does not match the request method.',
    ],
    [
      `htm ${method.toLowerCase()}, lower case`,
      (htu) => proof(htu, { htm: method.toLowerCase() }),
      'The DPoP proof htm does not match the request method.',
    ],
    ['htu of another path', () => proof(otherUrl), 'The DPoP proof htu does not match the request URL.'],
    [
      'htu of another host',
      (htu) => proof(htu.replace('localhost', 'evil.example')),
      'The DPoP proof htu does not match the request URL.',
    ],
    [
      'htu of another scheme',
      (htu) => proof(htu.replace('http:', 'https:')),
      'The DPoP proof htu does not match the request URL.',
    ],
    [
      'htu of another port',
      (htu) => proof(htu.replace(/localhost(:\d+)?/, 'localhost:8080')),
      'The DPoP proof htu does not match the request URL.',
    ],
    [
      'htu without the trailing slash',
      (htu) => proof(htu.slice(0, -1)),
      'The DPoP proof htu does not match the request URL.',
    ],
    ['htu relative', (htu) => proof(new URL(htu).pathname), 'The DPoP proof htu does not match the request URL.'],
    [
      'no htu',
      (htu) => proof(htu, { claims: { htu: undefined } }),
      'The DPoP proof htu does not match the request URL.',
    ],
    ['no jti', (htu) => proof(htu, { claims: { jti: undefined } }), 'The DPoP proof needs a jti.'],
    ['an empty jti', (htu) => proof(htu, { jti: '' }), 'The DPoP proof needs a jti.'],
    ['no iat', (htu) => proof(htu, { claims: { iat: undefined } }), 'The DPoP proof needs an iat.'],
    ['an iat that is text', (htu) => proof(htu, { claims: { iat: 'now' } }), 'The DPoP proof iat claim is not valid.'],
    [
      'an iat too old',
      (htu) => proof(htu, { iat: nowSeconds() - DPOP_PROOF_MAX_AGE_SECONDS - 1 }),
      'The DPoP proof is too old.',
    ],
    [
      'an iat in the future',
      (htu) => proof(htu, { iat: nowSeconds() + DPOP_PROOF_FUTURE_SKEW_SECONDS + 1 }),
      'The DPoP proof iat is in the future.',
    ],
    [
      'an exp in the past',
      (htu) => proof(htu, { claims: { exp: nowSeconds() - 1 } }),
      'The DPoP proof exp claim is not valid.',
    ],
    [
      'a nonce that is not text',
      (htu) => proof(htu, { claims: { nonce: 7 } }),
      'The DPoP proof nonce is not a string.',
    ],
  ];
}

/**
 * The rows only a request with a bound access token has (§4.3 item 12, §7.1):
 * `ath`, and the key the token names. `proof` adds the right `ath` unless told otherwise.
 */
export function boundTokenCheckTable(proof: MakeProof, otherToken: string): CheckRow[] {
  return [
    [
      'no ath',
      (htu) => proof(htu, { claims: { ath: undefined } }),
      'The DPoP proof ath does not match the access token.',
    ],
    [
      'an ath of another access token',
      (htu) => proof(htu, { claims: { ath: athOf(otherToken) } }),
      'The DPoP proof ath does not match the access token.',
    ],
    [
      'an ath of the token not hashed',
      (htu) => proof(htu, { claims: { ath: otherToken } }),
      'The DPoP proof ath does not match the access token.',
    ],
    [
      "a good proof by another key than the token's",
      (htu) => proof(htu, {}, dpopKey()),
      'The DPoP proof is signed by another key than the access token is bound to.',
    ],
    [
      "a good proof by an EdDSA key, not the token's",
      (htu) => proof(htu, {}, dpopKey('EdDSA')),
      'The DPoP proof is signed by another key than the access token is bound to.',
    ],
  ];
}
