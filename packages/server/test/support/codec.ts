import { systemClock, type Clock } from '../../src/clock.js';
import {
  createJwtCodec,
  createKeySet,
  createSigningKey,
  createVerifyingKey,
  type JwtCodec,
} from '../../src/tokens/jwt.js';

/** The kid the suites' single-key codecs sign with. */
export const TEST_KID = 'test-kid-0';

/**
 * A codec over one current HS256 key of `secret` named `kid`: what the ring
 * holds on a fresh HS256 install (tokens without a kid are accepted too).
 */
export function hs256Codec(secret: string, kid = TEST_KID, clock: Clock = systemClock): JwtCodec {
  const key = createVerifyingKey({ kid, algorithm: 'HS256', material: secret, acceptedUntil: Infinity });
  const set = createKeySet(createSigningKey({ kid, algorithm: 'HS256', material: secret }), [key], key);
  return createJwtCodec(() => set, clock);
}
