/**
 * The suites' password hasher. Most tests do not test hashing: they get
 * tessera's own argon2id hasher (threads, limiter, the dummy verify for
 * unknown users) with the smallest parameters argon2 accepts, so a login
 * costs microseconds instead of ~25 ms of CPU. Its hashes are real argon2id
 * that only the right password verifies. Tests of hashing, its cost and
 * login timing use `createArgon2idHasher()` itself.
 */
import { createArgon2idHasher } from '../../src/passwords/argon2.js';

/** argon2's minimum: 8 KiB, one pass, one lane. Never for production. */
export const FAST_ARGON2ID_PARAMETERS = { memoryCost: 8, timeCost: 1, parallelism: 1 } as const;

/** A hash with {@link FAST_ARGON2ID_PARAMETERS} of 32 random bytes nobody kept. */
export const FAST_DUMMY_HASH =
  '$argon2id$v=19$m=8,t=1,p=1$LCW4r1cMzahB+qYuYfX/Pw$Pmj5i6xJJONno8gB18kKL+ynD+MFhg6q1pR+BmZUNhw';

/** tessera's argon2id hasher at {@link FAST_ARGON2ID_PARAMETERS}. */
export const fastHasher = createArgon2idHasher({
  parameters: FAST_ARGON2ID_PARAMETERS,
  dummyHash: FAST_DUMMY_HASH,
});
