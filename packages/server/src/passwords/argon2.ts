import { hash, verify } from '@node-rs/argon2';
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
 * argon2id through @node-rs/argon2, whose hash and verify run on libuv's
 * thread pool, off the event loop.
 *
 * @example
 * ```ts
 * const hasher = createArgon2idHasher();
 * const encoded = await hasher.hash('correct horse battery staple');
 * await hasher.verify(encoded, 'correct horse battery staple'); // true
 * ```
 */
export function createArgon2idHasher(): PasswordHasher {
  const verifyDummy = async (password: string): Promise<false> => {
    await verify(DUMMY_HASH, password).catch(() => false);
    return false;
  };
  return {
    hash: (password) => hash(password, ARGON2ID_PARAMETERS),
    async verify(encoded, password) {
      // An unusable hash (Django's "!…", another scheme, a damaged string)
      // costs a verify all the same: a quick "no" would tell that the account exists.
      if (!encoded.startsWith('$argon2')) return verifyDummy(password);
      try {
        return await verify(encoded, password);
      } catch {
        return verifyDummy(password);
      }
    },
    verifyDummy,
  };
}
