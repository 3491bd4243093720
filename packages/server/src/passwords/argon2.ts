import { availableParallelism } from 'node:os';
import { HashThreadError, createHashThreads } from './hash-threads.js';
import { createLimiter } from './limiter.js';
import type { PasswordHasher } from './hasher.js';

/**
 * OWASP's argon2id minimum: 19 MiB of memory, 2 passes, 1 lane. The library's
 * default algorithm is argon2id; the test suite checks the PHC prefix.
 */
export const ARGON2ID_PARAMETERS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * A hash of 32 random bytes nobody kept, with {@link ARGON2ID_PARAMETERS}:
 * verifying against it costs what a real verify does. A test keeps its
 * parameters equal to the ones above.
 */
export const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$GevSLNw4qyFEHVa07YOdmw$gYKNXDcV1A7TgJeWkdRwROb8WSwkThQidqdl7xIPZGE';

/**
 * argon2id through @node-rs/argon2, on threads of the lowest CPU priority, off
 * the event loop (see {@link createHashThreads}). At most `concurrency` run at
 * once (one per core by default): more would only queue on the same cores,
 * each holding its 19 MiB.
 *
 * @example
 * ```ts
 * const hasher = createArgon2idHasher();
 * const encoded = await hasher.hash('correct horse battery staple');
 * await hasher.verify(encoded, 'correct horse battery staple'); // true
 * ```
 */
export function createArgon2idHasher({ concurrency = availableParallelism() } = {}): PasswordHasher {
  const limited = createLimiter(concurrency);
  const threads = createHashThreads(concurrency);
  const dummy = (password: string): Promise<false> => threads.verify(DUMMY_HASH, password).then(() => false);
  return {
    hash: (password) => limited(() => threads.hash(password, ARGON2ID_PARAMETERS)),
    verify: (encoded, password) =>
      limited(async () => {
        // An unusable hash (Django's "!…", another scheme, a damaged string)
        // costs a verify all the same: a quick "no" would tell that the account exists.
        if (!encoded.startsWith('$argon2')) return dummy(password);
        try {
          return await threads.verify(encoded, password);
        } catch (error) {
          if (error instanceof HashThreadError) throw error;
          return dummy(password);
        }
      }),
    verifyDummy: (password) => limited(() => dummy(password)),
    needsUpgrade: () => false,
  };
}
