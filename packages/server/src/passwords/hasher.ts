/** Passwords longer than this many UTF-8 bytes are refused without hashing. */
export const MAX_PASSWORD_BYTES = 1024;

/** Hashes and checks passwords; implementations run off the event loop. */
export interface PasswordHasher {
  /** A self-describing hash (PHC string) of `password`. */
  hash(password: string): Promise<string>;
  /**
   * Whether `password` matches `encoded`. An unusable or malformed hash is
   * `false`, never an error, and costs as much as a usable one.
   */
  verify(encoded: string, password: string): Promise<boolean>;
  /**
   * Spends what a real `verify` would and answers `false`, so that an unknown
   * username costs the same as a wrong password.
   */
  verifyDummy(password: string): Promise<false>;
  /**
   * Whether a hash that a password just matched should be replaced by `hash`
   * of that password, as Django's `must_update` says: true for Django's formats,
   * which tessera reads but never writes.
   */
  needsUpgrade(encoded: string): boolean;
}

/** Whether `password` is short enough to be hashed at all. */
export function isHashablePassword(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;
}
