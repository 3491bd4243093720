/**
 * Django's password hashes, read and checked natively, so that users moved
 * from a Django database log in with the password they have. Each format is
 * parsed strictly and its work factors bounded before any work is done: a
 * damaged or hostile row is refused at once, never left to run for minutes.
 */
import { djangoArgon2ToPhc } from './django/argon2.js';
import { prepareBcrypt } from './django/bcrypt.js';
import type { VerifyPassword } from './django/fields.js';
import { isPbkdf2Algorithm, preparePbkdf2 } from './django/pbkdf2.js';
import { isSaltedDigestAlgorithm, prepareBareMd5, prepareSaltedDigest } from './django/salted-digest.js';
import { prepareScrypt } from './django/scrypt.js';

export type { VerifyPassword } from './django/fields.js';
export { ARGON2_BOUNDS } from './django/argon2.js';
export { MAX_BCRYPT_COST } from './django/bcrypt.js';
export { MAX_PBKDF2_ITERATIONS } from './django/pbkdf2.js';
export { SCRYPT_BOUNDS } from './django/scrypt.js';

/** Longer than any hash Django writes (its column holds 128 characters): refused unread. */
export const MAX_DJANGO_HASH_LENGTH = 256;

/** The Django formats tessera reads, by the name Django puts before the first `$`. */
export const DJANGO_ALGORITHMS = [
  'pbkdf2_sha256',
  'pbkdf2_sha1',
  'argon2',
  'bcrypt_sha256',
  'bcrypt',
  'scrypt',
  'sha1',
  'md5',
  'unsalted_md5',
] as const;

export type DjangoAlgorithm = (typeof DJANGO_ALGORITHMS)[number];

/** Django's algorithm name of `encoded` when it has the shape of one of its hashes, not checking its fields. */
export function djangoAlgorithmOf(encoded: string): DjangoAlgorithm | undefined {
  if (/^[0-9a-f]{32}$/.test(encoded)) return 'unsalted_md5';
  const name = encoded.slice(0, encoded.indexOf('$'));
  return (DJANGO_ALGORITHMS as readonly string[]).includes(name) ? (name as DjangoAlgorithm) : undefined;
}

/**
 * A check of passwords against the Django hash `encoded`, or undefined when it
 * is none (tessera's own argon2id, `!…` unusable, unknown, malformed, or past
 * the bounds). argon2 is checked by `verifyArgon2` (tessera's argon2 threads);
 * every other format runs on libuv's pool or, for the one-digest legacy
 * formats, costs microseconds.
 *
 * @example
 * ```ts
 * const check = prepareDjangoVerify('md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3', argon2.verify);
 * await check?.('lètmein'); // true
 * ```
 */
export function prepareDjangoVerify(
  encoded: string,
  verifyArgon2: (phc: string, password: string) => Promise<boolean>,
): VerifyPassword | undefined {
  if (encoded.length > MAX_DJANGO_HASH_LENGTH) return undefined;
  const algorithm = djangoAlgorithmOf(encoded);
  if (algorithm === 'unsalted_md5') return prepareBareMd5(encoded);
  if (algorithm === undefined) return undefined;
  const rest = encoded.slice(algorithm.length + 1);
  if (isPbkdf2Algorithm(algorithm)) return preparePbkdf2(algorithm, rest.split('$'));
  // `md5$$<hex>` is Django's unsalted MD5 written with a name.
  if (isSaltedDigestAlgorithm(algorithm)) return prepareSaltedDigest(algorithm, rest.split('$'));
  if (algorithm === 'scrypt') return prepareScrypt(rest.split('$'));
  if (algorithm === 'bcrypt' || algorithm === 'bcrypt_sha256') return prepareBcrypt(algorithm, rest);
  const phc = djangoArgon2ToPhc(rest);
  return phc === undefined ? undefined : (password) => verifyArgon2(phc, password);
}
