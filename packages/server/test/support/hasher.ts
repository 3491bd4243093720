/**
 * The suites' password hasher. Most tests do not test hashing: they get
 * argon2id from the library tessera uses (@node-rs/argon2) with the smallest
 * parameters it accepts, so a login costs microseconds instead of ~25 ms of
 * CPU. Its hashes are real argon2id that only the right password verifies,
 * and it keeps the hasher's contract: an unusable hash is `false`, checked
 * against a dummy hash. It runs on libuv's pool, not on tessera's hashing
 * threads: those run at the lowest CPU priority and, with every core busy
 * running tests, would wait their turn for each login. Tests of hashing, its
 * cost, its threads and login timing use `createArgon2idHasher()` itself.
 */
import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../../src/passwords/hasher.js';
import { createPasswordHasher } from '../../src/passwords/password-hasher.js';

/** argon2's minimum: 8 KiB, one pass, one lane. Never for production. */
export const FAST_ARGON2ID_PARAMETERS = { memoryCost: 8, timeCost: 1, parallelism: 1 } as const;

/** A hash with {@link FAST_ARGON2ID_PARAMETERS} of 32 random bytes nobody kept. */
export const FAST_DUMMY_HASH =
  '$argon2id$v=19$m=8,t=1,p=1$LCW4r1cMzahB+qYuYfX/Pw$Pmj5i6xJJONno8gB18kKL+ynD+MFhg6q1pR+BmZUNhw';

const verifyDummy = (password: string): Promise<false> => verify(FAST_DUMMY_HASH, password).then(() => false);

/** argon2id at {@link FAST_ARGON2ID_PARAMETERS}. */
export const fastHasher: PasswordHasher = {
  hash: (password) => hash(password, FAST_ARGON2ID_PARAMETERS),
  async verify(encoded, password) {
    try {
      return await verify(encoded, password);
    } catch {
      // Not an argon2 hash at all (Django's "!…", another scheme, a damaged string).
      return verifyDummy(password);
    }
  },
  verifyDummy,
  needsUpgrade: () => false,
};

/**
 * tessera's hasher as it checks Django's hashes (at their full cost), over
 * {@link fastHasher}, without the timing floor that keeps logins uniform
 * (its own tests measure it): for suites with users imported from Django.
 */
export const djangoCheckingHasher: PasswordHasher = createPasswordHasher({ argon2id: fastHasher, floorIterations: 0 });
