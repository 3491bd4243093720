import type { TokenClaims } from '@tessera/protocol';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUES = new Map([...ALPHABET].map((char, index) => [char, index]));

/**
 * The claims of a JWT's payload, decoded WITHOUT verifying the signature (the
 * server verifies; the client only reads `exp` and the user). Returns null for
 * anything that is not a JWS compact token with a JSON object payload and a
 * numeric `exp`.
 *
 * @example
 * ```ts
 * const claims = decodeJwtClaims(access);
 * if (claims) console.log(claims.username, new Date(claims.exp * 1000));
 * ```
 */
export function decodeJwtClaims(token: string): TokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return null;
  const bytes = decodeBase64Url(parts[1]);
  if (bytes === null) return null;
  try {
    const payload = JSON.parse(decodeUtf8(bytes)) as unknown;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
    const claims = payload as Record<string, unknown>;
    if (typeof claims.exp !== 'number') return null;
    return claims as unknown as TokenClaims;
  } catch {
    return null;
  }
}

/** base64url (padding optional) to bytes; null when the text is not base64url. */
export function decodeBase64Url(text: string): Uint8Array | null {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) return null;
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of clean) {
    const value = VALUES.get(char);
    if (value === undefined) return null;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[index++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes;
}

/** UTF-8 bytes to a string, without TextDecoder (absent on some React Native engines). */
function decodeUtf8(bytes: Uint8Array): string {
  let escaped = '';
  for (const byte of bytes) escaped += `%${byte.toString(16).padStart(2, '0')}`;
  return decodeURIComponent(escaped);
}
