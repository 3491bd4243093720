/**
 * tessera's public keys, fetched from its JWKS and kept by `kid`.
 *
 * - The set is refetched in the background once its `Cache-Control: max-age`
 *   has passed; the keys in hand keep working meanwhile, and when tessera is
 *   unreachable (a key that was good stays good; the revocation feed's `key`
 *   events say otherwise).
 * - A token naming an unknown `kid` makes the set refetch, at most once per
 *   cooldown, all such tokens waiting on the same fetch: forged kids cannot
 *   make a verifier hammer tessera.
 * - The feed's `keys` event (a rotation) refetches now, whatever the
 *   cooldown; a burst of them costs one fetch in flight and one after it.
 * - Keys that are not public signing keys of tessera's algorithms are
 *   skipped; each key's algorithm is bound to it.
 */
import { KeyObject } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import type { SigningAlgorithm } from '@tessera/protocol';
import type { Clock } from './options.js';
import type { VerificationKey } from './token.js';

export interface KeySetOptions {
  readonly jwksUrl: URL;
  readonly clock: Clock;
  /** At most one fetch for unknown kids per this many milliseconds. */
  readonly unknownKidCooldownMs: number;
  readonly fetchTimeoutMs: number;
  /** A fetch failed (for logs). */
  readonly onError: (error: Error) => void;
}

export interface KeySet {
  /** The key named `kid` among those in hand, without fetching. */
  current(kid: string): VerificationKey | undefined;
  /** The key named `kid`; when unknown, refetches first unless one was done within the cooldown. */
  find(kid: string): Promise<VerificationKey | undefined>;
  /** Refetches now (the feed said the key set changed). */
  refresh(): Promise<void>;
  /**
   * Resolves once a key set is in hand. Until then each call after the
   * backoff tries again, and a failure rejects with {@link KeysUnavailableError}.
   */
  ensureLoaded(): Promise<void>;
  /** Whether a key set was ever loaded. */
  readonly loaded: boolean;
  /** How many fetches were started (for tests and metrics). */
  readonly fetchCount: number;
}

/** No key set yet; `retryAfterMs` until the next attempt. */
export class KeysUnavailableError extends Error {
  override name = 'KeysUnavailableError';
  constructor(
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super("tessera's JWKS could not be fetched", options);
  }
}

const DEFAULT_MAX_AGE_MS = 300_000;
const MAX_JWKS_BYTES = 1 << 20;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
const ASYMMETRIC: ReadonlySet<string> = new Set<SigningAlgorithm>(['EdDSA', 'ES256', 'RS256']);

/**
 * Starts fetching the key set at once.
 * @example
 * ```ts
 * const keySet = createKeySet({ jwksUrl, clock, unknownKidCooldownMs: 30_000, fetchTimeoutMs: 5000, onError: console.warn });
 * const key = await keySet.find('k1');
 * ```
 */
export function createKeySet(options: KeySetOptions): KeySet {
  const { clock } = options;
  let keys = new Map<string, VerificationKey>();
  let loaded = false;
  /** When the next background fetch is due: max-age after a success, the backoff after a failure. */
  let nextFetchAt = 0;
  let backoffMs = FIRST_BACKOFF_MS;
  let lastError: unknown;
  let lastUnknownKidFetch = -Infinity;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let fetchCount = 0;

  const fetchOnce = async (): Promise<void> => {
    fetchCount += 1;
    try {
      const { keys: fresh, maxAgeMs } = await fetchKeySet(options);
      keys = fresh;
      loaded = true;
      backoffMs = FIRST_BACKOFF_MS;
      nextFetchAt = clock.now() + maxAgeMs;
    } catch (error) {
      lastError = error;
      nextFetchAt = clock.now() + backoffMs;
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      options.onError(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  };

  /** One fetch at a time; `force` asks for another after the one in flight (it may predate a rotation). */
  const fetchCoalesced = (force: boolean): Promise<void> => {
    if (inFlight !== undefined) {
      if (force) again = true;
      return inFlight;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          again = false;
          try {
            await fetchOnce();
          } catch (error) {
            if (!again) throw error;
          }
        } while (again);
      } finally {
        inFlight = undefined;
      }
    };
    inFlight = run();
    return inFlight;
  };

  const refreshIfDue = () => {
    if (inFlight === undefined && clock.now() >= nextFetchAt) fetchCoalesced(false).catch(() => {});
  };

  refreshIfDue();

  return {
    current(kid) {
      refreshIfDue();
      return keys.get(kid);
    },
    async find(kid) {
      const known = this.current(kid);
      if (known !== undefined || !loaded) return known;
      if (inFlight === undefined) {
        const now = clock.now();
        if (now - lastUnknownKidFetch < options.unknownKidCooldownMs) return undefined;
        lastUnknownKidFetch = now;
      }
      await fetchCoalesced(false).catch(() => {});
      return keys.get(kid);
    },
    refresh: () => fetchCoalesced(true).catch(() => {}),
    async ensureLoaded() {
      if (loaded) return;
      refreshIfDue();
      if (inFlight !== undefined) await inFlight.catch(() => {});
      if (!loaded) throw new KeysUnavailableError(Math.max(0, nextFetchAt - clock.now()), { cause: lastError });
    },
    get loaded() {
      return loaded;
    },
    get fetchCount() {
      return fetchCount;
    },
  };
}

async function fetchKeySet(options: KeySetOptions): Promise<{ keys: Map<string, VerificationKey>; maxAgeMs: number }> {
  const response = await fetch(options.jwksUrl, {
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal: AbortSignal.timeout(options.fetchTimeoutMs),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`GET ${options.jwksUrl.href} answered ${response.status}`);
  }
  const text = await response.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error(`GET ${options.jwksUrl.href}: the key set is over 1 MiB`);
  const document = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(document.keys)) throw new Error(`GET ${options.jwksUrl.href}: no "keys" array`);
  const keys = new Map<string, VerificationKey>();
  for (const jwk of document.keys as unknown[]) {
    const key = await importSigningKey(jwk);
    if (key !== undefined && !keys.has(key.kid)) keys.set(key.kid, key);
  }
  return { keys, maxAgeMs: maxAgeOf(response.headers.get('cache-control')) };
}

/** A public signing key of tessera's algorithms, or undefined for anything else. */
async function importSigningKey(value: unknown): Promise<VerificationKey | undefined> {
  if (typeof value !== 'object' || value === null) return undefined;
  const jwk = value as JWK;
  const { kid, alg } = jwk;
  if (typeof kid !== 'string' || kid === '' || typeof alg !== 'string' || !ASYMMETRIC.has(alg)) return undefined;
  if ((jwk.use !== undefined && jwk.use !== 'sig') || 'd' in jwk || 'k' in jwk) return undefined;
  if (alg === 'EdDSA' && (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519')) return undefined;
  if (alg === 'ES256' && (jwk.kty !== 'EC' || jwk.crv !== 'P-256')) return undefined;
  if (alg === 'RS256' && jwk.kty !== 'RSA') return undefined;
  try {
    const imported = await importJWK(jwk, alg);
    if (imported instanceof Uint8Array) return undefined;
    const key = KeyObject.from(imported);
    if (key.type !== 'public') return undefined;
    const modulusLength = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (alg === 'RS256' && modulusLength < 2048) return undefined;
    const signatureBytes = alg === 'RS256' ? modulusLength / 8 : 64;
    return { kid, alg: alg as SigningAlgorithm, key, signatureBytes };
  } catch {
    return undefined;
  }
}

/** `max-age` of a `Cache-Control` header in milliseconds; five minutes when there is none. */
function maxAgeOf(cacheControl: string | null): number {
  const match = /(?:^|,)\s*max-age=(\d{1,9})\s*(?:,|$)/i.exec(cacheControl ?? '');
  return match === null ? DEFAULT_MAX_AGE_MS : Number(match[1]) * 1000;
}
