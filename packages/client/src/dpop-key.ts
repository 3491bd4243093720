/**
 * The device's DPoP key (RFC 9449): what signs a proof for each token
 * request. The client never sees the private half: a {@link DpopKey} only
 * signs, so a key that lives in WebCrypto (non-extractable), the Android
 * Keystore or the iOS Secure Enclave fits the same interface.
 */

/** The signature algorithms tessera accepts in a proof. */
export type DpopAlgorithm = 'ES256' | 'EdDSA';

/** A key that signs DPoP proofs; see {@link DpopKeyStore}. */
export interface DpopKey {
  readonly alg: DpopAlgorithm;
  /** The public key as a JWK (`kty`, `crv`, `x`, and `y` for EC): it goes in every proof's header. */
  readonly publicJwk: Readonly<Record<string, string>>;
  /** Signs a JWS signing input; the signature as JWS wants it (for ES256, `r || s`, 64 bytes). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * Where the device's DPoP key lives. In a browser, {@link createIndexedDbKeyStore}
 * (what `dpop: true` uses). Elsewhere the app supplies one: in React Native a
 * keystore-backed adapter whose key never leaves the Keystore/Secure Enclave;
 * in Node, a file (see the client's README).
 *
 * @example
 * ```ts
 * const auth = createAuthClient({ baseUrl, dpop: myKeystoreAdapter });
 * ```
 */
export interface DpopKeyStore {
  /** The device's key, or null when there is none (never made, or deleted at logout). */
  load(): Promise<DpopKey | null>;
  /**
   * The device's key, made and kept first if there is none. Calls that race,
   * from this client or another tab or process sharing the store, must all
   * end with the same key: the one that was kept.
   */
  loadOrCreate(): Promise<DpopKey>;
  /** Deletes the key; the next login makes a new one. */
  remove(): Promise<void>;
}

/** A WebCrypto `CryptoKey`, as far as DPoP looks at one. */
export interface CryptoKeyLike {
  readonly type: string;
  readonly extractable: boolean;
}

/** A WebCrypto `CryptoKeyPair`. */
export interface CryptoKeyPairLike {
  readonly publicKey: CryptoKeyLike;
  readonly privateKey: CryptoKeyLike;
}

/**
 * The part of WebCrypto's `SubtleCrypto` DPoP uses. Declared here rather than
 * taken from the DOM's types, so the client builds for Node and React Native too.
 */
export interface SubtleCryptoLike {
  generateKey(
    algorithm: { name: 'ECDSA'; namedCurve: 'P-256' },
    extractable: boolean,
    usages: Array<'sign' | 'verify'>,
  ): Promise<unknown>;
  exportKey(format: 'jwk', key: CryptoKeyLike): Promise<unknown>;
  sign(algorithm: { name: 'ECDSA'; hash: 'SHA-256' }, key: CryptoKeyLike, data: Uint8Array): Promise<ArrayBuffer>;
  digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
}

/** The public members of an EC or OKP JWK: a proof must carry nothing else (RFC 9449 §4.2). */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y'] as const;

/**
 * A {@link DpopKey} over a WebCrypto ECDSA P-256 key pair. The private key
 * may be non-extractable (it should be): only `sign` touches it.
 *
 * @example
 * ```ts
 * const key = await dpopKeyFromCryptoKeyPair(await generateDpopKeyPair());
 * ```
 */
export async function dpopKeyFromCryptoKeyPair(
  pair: CryptoKeyPairLike,
  subtle: SubtleCryptoLike = globalSubtle(),
): Promise<DpopKey> {
  // A key pair's public half is always extractable, whatever the private half is.
  const jwk = (await subtle.exportKey('jwk', pair.publicKey)) as Record<string, unknown>;
  const publicJwk: Record<string, string> = {};
  for (const member of PUBLIC_MEMBERS) if (typeof jwk[member] === 'string') publicJwk[member] = jwk[member];
  return Object.freeze({
    alg: 'ES256' as const,
    publicJwk: Object.freeze(publicJwk),
    async sign(data: Uint8Array) {
      // WebCrypto's ECDSA signature is already IEEE P1363 (r || s), the form JWS uses.
      const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, data);
      return new Uint8Array(signature);
    },
  });
}

/**
 * A new ECDSA P-256 key pair for DPoP. Non-extractable by default: no script,
 * not even this one, can read the private key back out.
 *
 * @example
 * ```ts
 * const pair = await generateDpopKeyPair();
 * await crypto.subtle.exportKey('jwk', pair.privateKey); // throws InvalidAccessError
 * ```
 */
export function generateDpopKeyPair({
  extractable = false,
  subtle = globalSubtle(),
}: { extractable?: boolean; subtle?: SubtleCryptoLike } = {}): Promise<CryptoKeyPairLike> {
  return subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, extractable, [
    'sign',
    'verify',
  ]) as Promise<CryptoKeyPairLike>;
}

/** `crypto.subtle`, or a TypeError that says what to pass instead. */
export function globalSubtle(): SubtleCryptoLike {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCryptoLike } }).crypto?.subtle;
  if (subtle === undefined) {
    throw new TypeError('DPoP needs WebCrypto (crypto.subtle), which this runtime lacks: pass a DpopKeyStore.');
  }
  return subtle;
}
