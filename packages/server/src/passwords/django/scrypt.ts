import { scrypt, type ScryptOptions } from 'node:crypto';
import { boundedInteger, canonicalBase64, saltText, sameBytes, type VerifyPassword } from './fields.js';

const scryptAsync = (password: string, salt: string, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

/** Bounds on an imported scrypt hash: N up to 2^17 (Django's default is 2^14), r and p up to 16. */
export const SCRYPT_BOUNDS = { maxN: 2 ** 17, maxR: 16, maxP: 16, maxWork: 2 ** 21 } as const;

/** Django's key length: 64 bytes. */
const KEY_BYTES = 64;

/**
 * Django's `scrypt$<N>$<salt>$<r>$<p>$<base64 key>`. N must be a power of two;
 * N·r·p, which the time grows with, may be at most 2^21 (16 times Django's
 * default); memory, 128·N·r bytes, is then at most 256 MiB. Node's async
 * `crypto.scrypt` runs on libuv's thread pool.
 */
export function prepareScrypt(fields: string[]): VerifyPassword | undefined {
  if (fields.length !== 5) return undefined;
  const n = boundedInteger(fields[0], 2, SCRYPT_BOUNDS.maxN);
  const salt = saltText(fields[1]);
  const r = boundedInteger(fields[2], 1, SCRYPT_BOUNDS.maxR);
  const p = boundedInteger(fields[3], 1, SCRYPT_BOUNDS.maxP);
  const expected = canonicalBase64(fields[4], { min: KEY_BYTES, max: KEY_BYTES, padded: true });
  if (n === undefined || salt === undefined || r === undefined || p === undefined || expected === undefined) {
    return undefined;
  }
  if ((n & (n - 1)) !== 0 || n * r * p > SCRYPT_BOUNDS.maxWork) return undefined;
  // Node refuses to run when 128·N·r exceeds maxmem; give it what these bounds allow.
  const options: ScryptOptions = { N: n, r, p, maxmem: 128 * n * r + 1024 * r * p + 2 ** 20 };
  return async (password) => sameBytes(await scryptAsync(password, salt, KEY_BYTES, options), expected);
}
