/**
 * Strict readers for the fields of a Django hash. Each answers `undefined`
 * for anything Django itself would not have written, so a damaged or hostile
 * row is refused before any work is spent on it.
 */
import { timingSafeEqual } from 'node:crypto';

/** What a Django hasher module answers for a hash it accepts: a check of one password. */
export type VerifyPassword = (password: string) => Promise<boolean>;

/** A decimal integer without sign or leading zeros, within `[min, max]`. */
export function boundedInteger(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !/^[1-9]\d{0,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/**
 * Standard base64 (padded or not, as `padded` says) that decodes to between
 * `min` and `max` bytes and encodes back to the very same text: Node's
 * decoder skips what it cannot read, which would let a damaged hash through.
 */
export function canonicalBase64(
  text: string | undefined,
  { min, max, padded }: { min: number; max: number; padded: boolean },
): Buffer | undefined {
  if (text === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const again = bytes.toString('base64');
  if ((padded ? again : again.replace(/=+$/, '')) !== text) return undefined;
  return bytes.length >= min && bytes.length <= max ? bytes : undefined;
}

/** Lowercase hex of exactly `bytes` bytes, as Python's `hexdigest()` writes it. */
export function lowercaseHex(text: string | undefined, bytes: number): Buffer | undefined {
  if (text === undefined || text.length !== bytes * 2 || !/^[0-9a-f]*$/.test(text)) return undefined;
  return Buffer.from(text, 'hex');
}

/** Django's salts: non-empty (unless `allowEmpty`), at most 128 characters, no `$`. */
export function saltText(text: string | undefined, { allowEmpty = false } = {}): string | undefined {
  if (text === undefined || text.length > 128 || text.includes('$')) return undefined;
  return text === '' && !allowEmpty ? undefined : text;
}

/** Compares digests without an early exit; unequal lengths are simply unequal. */
export function sameBytes(actual: Buffer, expected: Buffer): boolean {
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
