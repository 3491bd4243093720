import { createHmac } from 'node:crypto';
import type { Clock } from '../clock.js';

/** How long one nonce is issued for; each is accepted for this long again after (RFC 9449 §8). */
export const DPOP_NONCE_STEP_SECONDS = 300;

/** Server nonces for DPoP proofs: what the next proof must carry (`DPoP-Nonce`). */
export interface DpopNonces {
  /** The nonce to send now. */
  current(): string;
  /** Whether `nonce` is the current one or the one before it. */
  accepts(nonce: string): boolean;
}

/**
 * Nonces derived from the secret key and the time step: stateless, so that
 * every instance issues and accepts the same ones, and unpredictable to
 * anyone without the key, so that a proof made in advance (by code that once
 * ran in the page, say) expires within two steps.
 *
 * @example
 * ```ts
 * const nonces = createDpopNonces(secretKey, clock);
 * nonces.accepts(nonces.current()); // true
 * ```
 */
export function createDpopNonces(secretKey: string, clock: Clock): DpopNonces {
  const key = createHmac('sha256', secretKey).update('tessera dpop nonces v1').digest();
  const step = () => Math.floor(clock.now() / (DPOP_NONCE_STEP_SECONDS * 1000));
  const nonceAt = (n: number) => createHmac('sha256', key).update(String(n)).digest('base64url').slice(0, 32);
  return {
    current: () => nonceAt(step()),
    accepts(nonce) {
      const now = step();
      return nonce === nonceAt(now) || nonce === nonceAt(now - 1);
    },
  };
}
