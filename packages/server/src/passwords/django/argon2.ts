import { boundedInteger, canonicalBase64 } from './fields.js';

/**
 * Bounds on an imported argon2 hash: at most 256 MiB of memory, 16 passes and
 * 16 lanes, and memory × passes at most 1 GiB·pass (Django's default,
 * 100 MiB × 2, is a fifth of it).
 */
export const ARGON2_BOUNDS = {
  maxMemoryKiB: 262_144,
  maxTimeCost: 16,
  maxParallelism: 16,
  maxMemoryTimesPasses: 1_048_576,
} as const;

const PARAMETERS = /^m=(\d+),t=(\d+),p=(\d+)$/;

/**
 * Django's `argon2$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>` (and the older
 * `argon2$argon2i$…`, with or without `v=`), as the PHC string
 * `$argon2id$v=19$…` that @node-rs/argon2 verifies; undefined when it is
 * malformed or past {@link ARGON2_BOUNDS}.
 */
export function djangoArgon2ToPhc(rest: string): string | undefined {
  const fields = rest.split('$');
  const [variant] = fields;
  if (variant !== 'argon2id' && variant !== 'argon2i') return undefined;
  if (fields.length === 5 && fields[1] !== 'v=19' && fields[1] !== 'v=16') return undefined;
  if (fields.length !== 4 && fields.length !== 5) return undefined;
  const [parameters, salt, hash] = fields.slice(-3);
  const match = PARAMETERS.exec(parameters ?? '');
  if (match === null) return undefined;
  const memory = boundedInteger(match[1], 8, ARGON2_BOUNDS.maxMemoryKiB);
  const time = boundedInteger(match[2], 1, ARGON2_BOUNDS.maxTimeCost);
  const lanes = boundedInteger(match[3], 1, ARGON2_BOUNDS.maxParallelism);
  if (memory === undefined || time === undefined || lanes === undefined) return undefined;
  // argon2 needs 8 KiB per lane, and the time grows with memory × passes.
  if (memory < 8 * lanes || memory * time > ARGON2_BOUNDS.maxMemoryTimesPasses) return undefined;
  if (canonicalBase64(salt, { min: 8, max: 64, padded: false }) === undefined) return undefined;
  if (canonicalBase64(hash, { min: 4, max: 128, padded: false }) === undefined) return undefined;
  return `$${rest}`;
}
