/**
 * DRF's `Token` keys (TokenAuthentication) during a move from Django, with
 * `TESSERA_LEGACY_DRF_TOKENS=on`: `Authorization: Token <key>`
 * authenticates its owner on tessera's protected endpoints.
 */
import { createHash } from 'node:crypto';

/** DRF's answers, word for word (rest_framework/authentication.py). */
export const DRF_TOKEN_DETAILS = {
  noCredentials: 'Invalid token header. No credentials provided.',
  spaces: 'Invalid token header. Token string should not contain spaces.',
  invalidCharacters: 'Invalid token header. Token string should not contain invalid characters.',
  invalid: 'Invalid token.',
  inactive: 'User inactive or deleted.',
} as const;

/**
 * SHA-256 of a key, lowercase hex: what tessera stores and looks keys up
 * by, never the key. Keys are 160 random bits, so a plain digest makes a
 * leaked table useless (as for service secrets), and a lookup by digest
 * tells nothing of how close a guess came.
 *
 * @example
 * ```ts
 * hashDrfToken('9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b'); // 64 hex digits
 * ```
 */
export const hashDrfToken = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');
