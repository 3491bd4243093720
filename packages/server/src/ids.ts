import { randomBytes } from 'node:crypto';

/** A random identifier of 32 lowercase hex characters (128 bits), as SimpleJWT's `jti`. */
export function randomId(): string {
  return randomBytes(16).toString('hex');
}
