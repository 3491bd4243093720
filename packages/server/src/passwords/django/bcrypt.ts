import { createHash } from 'node:crypto';
import { verify } from '@node-rs/bcrypt';
import type { VerifyPassword } from './fields.js';

/**
 * The highest bcrypt cost an imported hash may have: 2^14 rounds, four times
 * Django's default of 12, about a second of one core. Past it, refused unread.
 */
export const MAX_BCRYPT_COST = 14;

/** A modular-crypt bcrypt hash: version, two-digit cost, 22 characters of salt and 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** bcrypt reads at most 72 bytes of its input. */
const BCRYPT_INPUT_BYTES = 72;

export type BcryptAlgorithm = 'bcrypt' | 'bcrypt_sha256';

/**
 * Django's `bcrypt$<hash>` and `bcrypt_sha256$<hash>`, the second over the
 * hex SHA-256 of the password, so that a password longer than bcrypt's 72
 * bytes counts whole. Plain `bcrypt` uses the first 72 bytes, as the Python
 * library that wrote it did, and refuses a NUL byte, which it never hashed.
 *
 * Why @node-rs/bcrypt: it ships prebuilt binaries (as @node-rs/argon2,
 * already a dependency, does) and its async `verify` runs natively on libuv's
 * pool, off the event loop (measured: 0.55 s for cost 12 on a busy shared
 * 2-core machine). bcryptjs is pure JavaScript: its async form slices the
 * work onto the event loop itself, the thread logins must not hold, so it was
 * not a candidate (its cost was not measured here).
 */
export function prepareBcrypt(algorithm: BcryptAlgorithm, rest: string): VerifyPassword | undefined {
  const match = BCRYPT_HASH.exec(rest);
  const cost = match === null ? NaN : Number(match[1]);
  if (!(cost >= 4 && cost <= MAX_BCRYPT_COST)) return undefined;
  return async (password) => {
    let input: Buffer;
    if (algorithm === 'bcrypt_sha256') {
      input = Buffer.from(createHash('sha256').update(password, 'utf8').digest('hex'), 'ascii');
    } else {
      input = Buffer.from(password, 'utf8');
      if (input.includes(0)) return false;
      input = input.subarray(0, BCRYPT_INPUT_BYTES);
    }
    return verify(input, rest);
  };
}
