import { createHmac, randomBytes } from 'node:crypto';

/** A random identifier of 32 lowercase hex characters (128 bits), as SimpleJWT's `jti`. */
export function randomId(): string {
  return randomBytes(16).toString('hex');
}

/** The ids of the pair that replaces a refresh token. */
export interface SuccessorIds {
  refresh: string;
  access: string;
}

/**
 * Derives the ids of a refresh token's successor pair from its own id, with a
 * key derived from the signing key. Every presentation of a token inside the
 * grace window can so be answered with the identical pair, while the store
 * keeps only ids: nobody without the key can predict them.
 */
export function createSuccessorIds(secretKey: string): (parentJti: string) => SuccessorIds {
  const key = createHmac('sha256', secretKey).update('tessera successor ids v1').digest();
  const derive = (kind: string, parentJti: string) =>
    createHmac('sha256', key).update(`${kind}:${parentJti}`).digest('hex').slice(0, 32);
  return (parentJti) => ({ refresh: derive('refresh', parentJti), access: derive('access', parentJti) });
}
