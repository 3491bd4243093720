/**
 * Private signing keys at rest: AES-256-GCM under a key derived from
 * `TESSERA_SECRET_KEY` with HKDF-SHA256 (salt `tessera signing keys`, info
 * the kid), the kid as additional data, so that a sealed key moved to
 * another row does not open. Stored as `v1.` + base64url(iv | tag | ciphertext).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1.';
const SALT = 'tessera signing keys';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed key that does not open: made under another `TESSERA_SECRET_KEY`, or damaged. */
export class KeySealError extends Error {
  override name = 'KeySealError';
  constructor(readonly kid: string) {
    super(
      `the private half of signing key ${kid} cannot be decrypted: the keys were made under another ` +
        'TESSERA_SECRET_KEY (or the row was changed). Start tessera with the secret key the keys were made with, ' +
        'or `tessera keys revoke` them from an instance that has it.',
    );
  }
}

function sealingKey(secretKey: string, kid: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, SALT, kid, 32));
}

/**
 * Encrypts `privateKeyPem` for the row of `kid`.
 * @example
 * ```ts
 * const sealed = sealPrivateKey(secret, kid, pem); // 'v1.…'
 * openPrivateKey(secret, kid, sealed) === pem; // true
 * ```
 */
export function sealPrivateKey(secretKey: string, kid: string, privateKeyPem: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secretKey, kid), iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(privateKeyPem, 'utf8'), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

/**
 * The PEM that {@link sealPrivateKey} sealed for `kid`.
 * @throws {KeySealError} when it does not open under `secretKey`.
 */
export function openPrivateKey(secretKey: string, kid: string, sealed: string): string {
  if (!sealed.startsWith(VERSION)) throw new KeySealError(kid);
  const bytes = Buffer.from(sealed.slice(VERSION.length), 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) throw new KeySealError(kid);
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(secretKey, kid), bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new KeySealError(kid);
  }
}
