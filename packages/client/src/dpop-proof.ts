import type { DpopKey, SubtleCryptoLike } from './dpop-key.js';

/** What one proof is for. */
export interface DpopProofInput {
  /** The request's method. */
  method: string;
  /** The request's URL; its query and fragment are left out of `htu`. */
  url: string;
  /** Milliseconds since the epoch: `iat`. */
  nowMs: number;
  /** A value never used before with this key (a server remembers them to refuse replays). */
  jti: string;
  /** The server's latest `DPoP-Nonce`, when it sent one. */
  nonce?: string | undefined;
  /** The access token the request carries, when access tokens are DPoP-bound too: adds `ath`. */
  accessToken?: string | undefined;
}

/**
 * A DPoP proof (RFC 9449 §4.2) for one request: a JWT of type `dpop+jwt`,
 * signed by `key`, with the public key in its header and `jti`, `htm`, `htu`,
 * `iat`, and `nonce` and `ath` when given.
 *
 * @example
 * ```ts
 * const proof = await createDpopProof(key, { method: 'POST', url: 'https://auth.example.com/api/token/',
 *   nowMs: Date.now(), jti: randomJti() });
 * await fetch(url, { method: 'POST', headers: { DPoP: proof }, body });
 * ```
 */
export async function createDpopProof(key: DpopKey, input: DpopProofInput): Promise<string> {
  const header = { typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk };
  const payload: Record<string, string | number> = {
    jti: input.jti,
    htm: input.method.toUpperCase(),
    htu: htuOf(input.url),
    iat: Math.floor(input.nowMs / 1000),
  };
  if (input.nonce !== undefined) payload.nonce = input.nonce;
  if (input.accessToken !== undefined) payload.ath = await sha256Base64Url(input.accessToken);
  const signingInput = `${base64UrlOfText(JSON.stringify(header))}.${base64UrlOfText(JSON.stringify(payload))}`;
  const signature = await key.sign(new TextEncoder().encode(signingInput));
  return `${signingInput}.${base64Url(signature)}`;
}

/** `url` without its query and fragment (RFC 9449 §4.2: `htu` is the URI "without query and fragment parts"). */
export function htuOf(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/**
 * A fresh `jti`: 128 random bits from `crypto.getRandomValues`, or from
 * `fallback` where the runtime has none (React Native without a polyfill).
 */
export function randomJti(fallback: () => string): string {
  const random = (globalThis as { crypto?: { getRandomValues?: <T extends Uint8Array>(array: T) => T } }).crypto;
  if (typeof random?.getRandomValues !== 'function') return fallback();
  return base64Url(random.getRandomValues(new Uint8Array(16)));
}

async function sha256Base64Url(text: string): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCryptoLike } }).crypto?.subtle;
  if (subtle === undefined) throw new TypeError('A DPoP proof with ath needs crypto.subtle to hash the access token.');
  return base64Url(new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

function base64UrlOfText(text: string): string {
  return base64Url(new TextEncoder().encode(text));
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url, without `btoa` (not in every React Native engine). */
export function base64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += ALPHABET[a >> 2]! + ALPHABET[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    if (b !== undefined) out += ALPHABET[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    if (c !== undefined) out += ALPHABET[c & 63]!;
  }
  return out;
}
