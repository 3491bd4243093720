import { createHash } from 'node:crypto';
import { lowercaseHex, saltText, sameBytes, type VerifyPassword } from './fields.js';

const DIGEST_BYTES = { md5: 16, sha1: 20 } as const;

export type SaltedDigestAlgorithm = keyof typeof DIGEST_BYTES;

export const isSaltedDigestAlgorithm = (algorithm: string): algorithm is SaltedDigestAlgorithm =>
  Object.hasOwn(DIGEST_BYTES, algorithm);

/**
 * Django's legacy `md5$<salt>$<hex>` and `sha1$<salt>$<hex>`: one digest of
 * salt then password. An empty salt is Django's unsalted form (`md5$$…`,
 * `sha1$$…`). One digest costs microseconds, so it runs where it is called;
 * the combined hasher's floor makes its answer take as long as any other.
 */
export function prepareSaltedDigest(algorithm: SaltedDigestAlgorithm, fields: string[]): VerifyPassword | undefined {
  if (fields.length !== 2) return undefined;
  const salt = saltText(fields[0], { allowEmpty: true });
  const expected = lowercaseHex(fields[1], DIGEST_BYTES[algorithm]);
  if (salt === undefined || expected === undefined) return undefined;
  return (password) =>
    Promise.resolve(
      sameBytes(
        createHash(algorithm)
          .update(salt + password, 'utf8')
          .digest(),
        expected,
      ),
    );
}

/** Django's oldest form: 32 hex digits of an unsalted MD5, with no algorithm name. */
export function prepareBareMd5(encoded: string): VerifyPassword | undefined {
  return /^[0-9a-f]{32}$/.test(encoded) ? prepareSaltedDigest('md5', ['', encoded]) : undefined;
}
