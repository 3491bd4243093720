/**
 * The signing-key settings, read with the rest of the configuration
 * (config.ts): which algorithm new keys use, and how often keys rotate by
 * themselves.
 */
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '@tessera/protocol';

/**
 * How long a client may cache the JWKS (`Cache-Control: public, max-age=…`),
 * and so how long a next key is published before it may sign: a verifier
 * that fetched the set just before the key appeared has it by then.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

export interface KeySettings {
  /** The algorithm of new keys; signing always uses the ring's current key. HS256 by default. */
  readonly signingAlgorithm: SigningAlgorithm;
  /** Rotate when the current key is this old; undefined for manual rotation only. */
  readonly keyRotationDays: number | undefined;
}

/**
 * Reads `TESSERA_SIGNING_ALGORITHM` and `TESSERA_KEY_ROTATION_DAYS`; each
 * problem is pushed to `problems` with how to fix it.
 *
 * @example
 * ```ts
 * const problems: string[] = [];
 * parseKeySettings((name) => ({ TESSERA_SIGNING_ALGORITHM: 'EdDSA' })[name], problems).signingAlgorithm; // 'EdDSA'
 * ```
 */
export function parseKeySettings(read: (name: string) => string | undefined, problems: string[]): KeySettings {
  const rawAlgorithm = read('TESSERA_SIGNING_ALGORITHM') ?? 'HS256';
  const signingAlgorithm = SIGNING_ALGORITHMS.find((name) => name === rawAlgorithm);
  if (signingAlgorithm === undefined) {
    problems.push(
      `TESSERA_SIGNING_ALGORITHM=${JSON.stringify(rawAlgorithm)} must be one of ${SIGNING_ALGORITHMS.join(', ')} ` +
        "(SimpleJWT's names, case as written; HS256, the default, signs with TESSERA_SECRET_KEY).",
    );
  }
  const rawDays = read('TESSERA_KEY_ROTATION_DAYS');
  let keyRotationDays: number | undefined;
  if (rawDays !== undefined) {
    keyRotationDays = /^\d{1,5}$/.test(rawDays) ? Number(rawDays) : NaN;
    if (!(keyRotationDays >= 1 && keyRotationDays <= 3650)) {
      problems.push(
        `TESSERA_KEY_ROTATION_DAYS=${JSON.stringify(rawDays)} must be a whole number of days from 1 to 3650; ` +
          'leave it unset to rotate only with `tessera keys rotate`.',
      );
      keyRotationDays = undefined;
    }
  }
  return { signingAlgorithm: signingAlgorithm ?? 'HS256', keyRotationDays };
}
