import { availableParallelism } from 'node:os';
import { pbkdf2 } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createArgon2idHasher } from './argon2.js';
import { prepareDjangoVerify } from './django-hashes.js';
import type { PasswordHasher } from './hasher.js';
import { createLimiter } from './limiter.js';

const pbkdf2Async = promisify(pbkdf2);

/** Django 5.2's PBKDF2 iterations: what the hashes of a current Django database cost. */
export const DJANGO_DEFAULT_PBKDF2_ITERATIONS = 1_000_000;

/** The floor starts from one measurement, padded by a quarter, so that the hashes it stands for stay under it. */
const FLOOR_MARGIN = 1.25;

/**
 * One measurement on a shared machine can come out low, so a Django check that
 * takes longer raises the floor, up to twice the measurement: a hostile or
 * exceptionally dear hash cannot make every login slow.
 */
const FLOOR_CEILING = 2;

export interface PasswordHasherOptions {
  /** What hashes and checks tessera's own argon2id (and Django's argon2): {@link createArgon2idHasher} by default. */
  argon2id?: PasswordHasher;
  /**
   * Every `verify` and `verifyDummy` takes at least as long as a
   * pbkdf2_sha256 check at this many iterations ({@link DJANGO_DEFAULT_PBKDF2_ITERATIONS}),
   * measured on first use; 0: no floor.
   */
  floorIterations?: number;
  /** At most this many Django checks at once on libuv's pool (one per core): it also serves files and DNS. */
  concurrency?: number;
  /**
   * Whether any stored hash is Django's: the floor matters only then (an
   * unknown user must cost what a Django user costs), and costs every login
   * its latency. Always, by default; the server asks its store.
   */
  legacyHashesPresent?: () => boolean;
}

/**
 * tessera's hasher: writes argon2id only, and checks both argon2id and every
 * Django format that {@link prepareDjangoVerify} reads, so users imported
 * from Django log in with their password and are upgraded on that login
 * (`needsUpgrade`).
 *
 * Timing stays uniform with a floor: a Django pbkdf2 check at Django's default
 * iterations costs far more than argon2id (~0.3 s against ~25 ms), so an
 * unknown user, checked against a dummy argon2id hash, would answer sooner
 * than a Django user with a wrong password. Every answer, right or wrong, real
 * or dummy, is therefore held until the floor has passed since the call. The
 * wait is a timer, not work: it costs latency, not CPU, and holds no slot.
 * A Django check that takes longer raises the floor, to at most twice the
 * measurement; a hash dearer than that (a bcrypt cost above 12, say) still shows.
 *
 * @example
 * ```ts
 * const hasher = createPasswordHasher();
 * await hasher.verify('pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=', 'lètmein'); // true
 * ```
 */
export function createPasswordHasher({
  argon2id = createArgon2idHasher(),
  floorIterations = DJANGO_DEFAULT_PBKDF2_ITERATIONS,
  concurrency = availableParallelism(),
  legacyHashesPresent = () => true,
}: PasswordHasherOptions = {}): PasswordHasher {
  const limited = createLimiter(concurrency);
  let floorMs: Promise<number> | undefined;
  let ceilingMs = Infinity;
  const measureFloor = async () => {
    const started = performance.now();
    await limited(() => pbkdf2Async('a password', 'a salt', floorIterations, 32, 'sha256'));
    const measured = performance.now() - started;
    ceilingMs = measured * FLOOR_CEILING;
    return measured * FLOOR_MARGIN;
  };
  const raiseFloor = async (tookMs: number) => {
    const floor = await (floorMs ??= measureFloor());
    if (tookMs > floor) floorMs = Promise.resolve(Math.min(tookMs, ceilingMs));
  };

  const atLeastFloor = async <T>(work: () => Promise<T>): Promise<T> => {
    if (floorIterations === 0 || !legacyHashesPresent()) return work();
    const started = performance.now();
    const [result, floor] = await Promise.all([work(), (floorMs ??= measureFloor())]);
    const remaining = started + floor - performance.now();
    if (remaining > 0) await sleep(remaining);
    return result;
  };

  const prepare = (encoded: string) => prepareDjangoVerify(encoded, (phc, password) => argon2id.verify(phc, password));

  return {
    hash: (password) => argon2id.hash(password),
    verify: (encoded, password) =>
      atLeastFloor(async () => {
        const django = isWellFormed(password) ? prepare(encoded) : undefined;
        // Not a Django hash: argon2id, or unusable, unknown or malformed, which argon2id checks against its dummy.
        if (django === undefined) return argon2id.verify(encoded, password);
        try {
          return await limited(async () => {
            const started = performance.now();
            const matches = await django(password);
            if (floorIterations > 0) await raiseFloor(performance.now() - started);
            return matches;
          });
        } catch {
          return false;
        }
      }),
    verifyDummy: (password) => atLeastFloor(() => argon2id.verifyDummy(password)),
    needsUpgrade: (encoded) => prepare(encoded) !== undefined,
  };
}

/**
 * Django encodes passwords as UTF-8 and fails on a lone surrogate; Node would
 * write U+FFFD instead, which another password could match.
 */
function isWellFormed(password: string): boolean {
  return Buffer.from(password, 'utf8').toString('utf8') === password;
}
