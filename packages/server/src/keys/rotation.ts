/**
 * The key set's changes after start: rotation (next becomes current, current
 * retired, a new next), retiring and revoking one key, and the minute check
 * that promotes a next key of a newly configured algorithm or rotates keys
 * that are due. Each is one compare-and-set change in the store: of two
 * instances trying at once, exactly one succeeds.
 */
import type { SigningAlgorithm } from '@tessera/protocol';
import type { SigningKeyChange, SigningKeyRecord, SigningKeyTransition, Store } from '../store/types.js';
import { generateSigningKey } from './generate.js';
import { JWKS_MAX_AGE_SECONDS } from './settings.js';

const DAY_MS = 86_400_000;
/** How long a next key is published before it may sign. */
export const PUBLISHED_BEFORE_SIGNING_MS = JWKS_MAX_AGE_SECONDS * 1000;

export interface KeyChangeOptions {
  secretKey: string;
  /** The configured algorithm: that of the new next key. */
  algorithm: SigningAlgorithm;
  now: number;
}

export type RotateOutcome =
  | { kind: 'rotated'; current: SigningKeyRecord; retired: SigningKeyRecord; next: SigningKeyRecord }
  /** The next key has not been published long enough; `allowedAt` says when it has. */
  | { kind: 'too_soon'; allowedAt: number }
  /** Another instance changed the key set meanwhile. */
  | { kind: 'conflict' }
  | { kind: 'no_keys' };

/**
 * Promotes the next key, retires the current one and makes a new next key.
 * Refuses while the next key is younger than the JWKS cache's max-age,
 * unless `force`.
 */
export async function rotateSigningKeys(
  store: Store,
  options: KeyChangeOptions & { force?: boolean },
): Promise<RotateOutcome> {
  const rows = await store.listSigningKeys();
  const current = rows.find((row) => row.state === 'current');
  const next = rows.find((row) => row.state === 'next');
  if (current === undefined || next === undefined) return { kind: 'no_keys' };
  const allowedAt = next.createdAt + PUBLISHED_BEFORE_SIGNING_MS;
  if (options.force !== true && options.now < allowedAt) return { kind: 'too_soon', allowedAt };
  const added = generateSigningKey(options.algorithm, options.secretKey, 'next', options.now);
  const changed = await store.changeSigningKeys({
    transitions: [
      { kid: current.kid, from: 'current', to: 'retired' },
      { kid: next.kid, from: 'next', to: 'current' },
    ],
    add: added,
    now: options.now,
    log: { kind: 'keys', target: next.kid },
  });
  if (!changed) return { kind: 'conflict' };
  const { now } = options;
  return {
    kind: 'rotated',
    current: { ...next, state: 'current', activatedAt: now },
    retired: { ...current, state: 'retired', retiredAt: now },
    next: added,
  };
}

export type RetireOutcome =
  | { kind: 'dropped'; next: SigningKeyRecord }
  | { kind: 'is_current' }
  | { kind: 'already'; state: 'retired' | 'revoked' }
  | { kind: 'unknown' }
  | { kind: 'conflict' };

/**
 * Retires `kid`: a next key, which never signed, is dropped and replaced; the
 * current key must be rotated away first.
 */
export async function retireSigningKey(store: Store, kid: string, options: KeyChangeOptions): Promise<RetireOutcome> {
  const row = (await store.listSigningKeys()).find((key) => key.kid === kid);
  if (row === undefined) return { kind: 'unknown' };
  if (row.state === 'current') return { kind: 'is_current' };
  if (row.state !== 'next') return { kind: 'already', state: row.state };
  const next = generateSigningKey(options.algorithm, options.secretKey, 'next', options.now);
  const changed = await store.changeSigningKeys({
    transitions: [{ kid, from: 'next', to: 'deleted' }],
    add: next,
    now: options.now,
    log: { kind: 'keys', target: kid },
  });
  return changed ? { kind: 'dropped', next } : { kind: 'conflict' };
}

export type RevokeOutcome =
  | { kind: 'revoked'; was: 'next' | 'current' | 'retired'; promoted: SigningKeyRecord | undefined }
  | { kind: 'already' }
  | { kind: 'unknown' }
  | { kind: 'conflict' };

/**
 * Revokes `kid`: every token it signed is refused at once, everywhere (log
 * entry `key`). Revoking the current key promotes the next one at once (an
 * emergency: verifiers that cached the JWKS before it was published fetch it
 * again on the unknown kid) and makes a new next key; revoking the next key
 * replaces it.
 */
export async function revokeSigningKey(store: Store, kid: string, options: KeyChangeOptions): Promise<RevokeOutcome> {
  const rows = await store.listSigningKeys();
  const row = rows.find((key) => key.kid === kid);
  if (row === undefined) return { kind: 'unknown' };
  if (row.state === 'revoked') return { kind: 'already' };
  const transitions: SigningKeyTransition[] = [{ kid, from: row.state, to: 'revoked' }];
  let add: SigningKeyRecord | undefined;
  let promoted: SigningKeyRecord | undefined;
  const next = rows.find((key) => key.state === 'next');
  if (row.state === 'current' && next !== undefined) {
    transitions.push({ kid: next.kid, from: 'next', to: 'current' });
    promoted = { ...next, state: 'current', activatedAt: options.now };
    add = generateSigningKey(options.algorithm, options.secretKey, 'next', options.now);
  } else if (row.state === 'current') {
    add = promoted = generateSigningKey(options.algorithm, options.secretKey, 'current', options.now);
  } else if (row.state === 'next') {
    add = generateSigningKey(options.algorithm, options.secretKey, 'next', options.now);
  }
  const change: SigningKeyChange = { transitions, add, now: options.now, log: { kind: 'key', target: kid } };
  if (!(await store.changeSigningKeys(change))) return { kind: 'conflict' };
  return { kind: 'revoked', was: row.state, promoted };
}

/**
 * The minute check: promotes a next key of the configured algorithm when the
 * current key is of another one, or rotates when `rotationDays` have passed
 * since the current key began signing, in either case only once the next key
 * has been published for the JWKS cache's max-age. Returns whether the set changed.
 */
export async function rotateWhenDue(
  store: Store,
  options: KeyChangeOptions & { rotationDays: number | undefined },
): Promise<boolean> {
  const rows = await store.listSigningKeys();
  const current = rows.find((row) => row.state === 'current');
  const next = rows.find((row) => row.state === 'next');
  if (current === undefined || next === undefined) return false;
  const switching = current.algorithm !== options.algorithm && next.algorithm === options.algorithm;
  const since = current.activatedAt ?? current.createdAt;
  const due = options.rotationDays !== undefined && options.now - since >= options.rotationDays * DAY_MS;
  if (!switching && !due) return false;
  return (await rotateSigningKeys(store, options)).kind === 'rotated';
}
