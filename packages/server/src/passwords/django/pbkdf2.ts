import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { boundedInteger, canonicalBase64, saltText, sameBytes, type VerifyPassword } from './fields.js';

const pbkdf2Async = promisify(pbkdf2);

/**
 * The most iterations an imported PBKDF2 hash may ask for: ten times Django
 * 5.2's default, a few seconds of one core. Past it a row is refused unread.
 */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

/** Django's PBKDF2 hashers: the HMAC digest and its length, which is also the key's. */
const DIGESTS = {
  pbkdf2_sha256: { digest: 'sha256', bytes: 32 },
  pbkdf2_sha1: { digest: 'sha1', bytes: 20 },
} as const;

export type Pbkdf2Algorithm = keyof typeof DIGESTS;

export const isPbkdf2Algorithm = (algorithm: string): algorithm is Pbkdf2Algorithm => Object.hasOwn(DIGESTS, algorithm);

/**
 * `pbkdf2_sha256$<iterations>$<salt>$<base64 key>` (and `pbkdf2_sha1$…`),
 * at any iteration count from 1 to {@link MAX_PBKDF2_ITERATIONS}. The key is
 * derived on libuv's thread pool (Node's async `crypto.pbkdf2`), not on the
 * event loop.
 */
export function preparePbkdf2(algorithm: Pbkdf2Algorithm, fields: string[]): VerifyPassword | undefined {
  const { digest, bytes } = DIGESTS[algorithm];
  if (fields.length !== 3) return undefined;
  const iterations = boundedInteger(fields[0], 1, MAX_PBKDF2_ITERATIONS);
  const salt = saltText(fields[1]);
  const expected = canonicalBase64(fields[2], { min: bytes, max: bytes, padded: true });
  if (iterations === undefined || salt === undefined || expected === undefined) return undefined;
  return async (password) => sameBytes(await pbkdf2Async(password, salt, iterations, bytes, digest), expected);
}
