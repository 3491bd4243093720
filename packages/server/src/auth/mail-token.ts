/**
 * The secrets mailed for resets and verifications: 256 random bits in
 * base64url, made when the mail is sent and stored only as SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A token as mailed: 32 random bytes in base64url. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A new token and the hash to store. */
export function newMailToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashMailToken(token) };
}

/** The stored form of a token. */
export function hashMailToken(token: string): string {
  return sha256(token);
}

/** Whether `text` could be a token at all (anything else is refused without a look-up). */
export function isMailTokenShaped(text: string): boolean {
  return TOKEN_FORMAT.test(text);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
