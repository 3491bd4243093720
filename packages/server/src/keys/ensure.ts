/**
 * That the store holds the keys tessera needs: a current key, and a next key
 * of the configured algorithm, published before it ever signs.
 */
import type { SigningAlgorithm } from '@tessera/protocol';
import type { SigningKeyChange, SigningKeyRecord, Store } from '../store/types.js';
import { generateSigningKey } from './generate.js';

export interface EnsureOptions {
  secretKey: string;
  /** The configured algorithm: of new keys only. */
  algorithm: SigningAlgorithm;
  now: number;
  /**
   * Whether a next key of another algorithm is replaced (at start, when this
   * instance's configuration is the newest); the minute check only fills
   * gaps, so that instances on old and new configuration during a rolling
   * restart do not replace each other's next key.
   */
  replaceNext: boolean;
}

/** Attempts before giving up on instances that keep changing the set at the same time. */
const ATTEMPTS = 5;

/**
 * Makes the keys that are missing and returns the keys as stored afterwards.
 * A fresh install gets a current key of the configured algorithm; an upgrade
 * from a version without keys (sessions exist: tokens without a kid are out
 * there) records the HS256 key, whose material is the secret, as current.
 * Then a next key of the configured algorithm is made when there is none.
 * Safe to run on several instances at once: one change wins, the others read again.
 *
 * @example
 * ```ts
 * await ensureSigningKeys(store, { secretKey, algorithm: config.signingAlgorithm, now: clock.now(), replaceNext: true });
 * ```
 */
export async function ensureSigningKeys(store: Store, options: EnsureOptions): Promise<SigningKeyRecord[]> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const rows = await store.listSigningKeys();
    const upgrade = rows.length === 0 && (await store.hasSessions());
    const change = neededChange(rows, upgrade, options);
    if (change === undefined) return rows;
    // false: another instance changed the set first; read it again.
    await store.changeSigningKeys(change);
  }
  return store.listSigningKeys();
}

function neededChange(
  rows: readonly SigningKeyRecord[],
  upgrade: boolean,
  { secretKey, algorithm, now, replaceNext }: EnsureOptions,
): SigningKeyChange | undefined {
  const log = (kid: string) => ({ kind: 'keys' as const, target: kid });
  if (!rows.some((row) => row.state === 'current')) {
    const add = generateSigningKey(upgrade ? 'HS256' : algorithm, secretKey, 'current', now);
    return { transitions: [], add, now, log: log(add.kid) };
  }
  const next = rows.find((row) => row.state === 'next');
  if (next !== undefined && (next.algorithm === algorithm || !replaceNext)) return undefined;
  const add = generateSigningKey(algorithm, secretKey, 'next', now);
  // A next key never signed: dropping it ends nothing.
  const transitions = next === undefined ? [] : [{ kid: next.kid, from: 'next' as const, to: 'deleted' as const }];
  return { transitions, add, now, log: log(add.kid) };
}
