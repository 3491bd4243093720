/**
 * The replay cache of a verifier's DPoP proofs (RFC 9449 §11.1): a proof is
 * good for one request. In memory by default, which is right for one
 * process; a service run as several processes passes a shared one (Redis's
 * `SET key 1 PX ms NX` is the whole implementation, see the README).
 */
import type { Clock } from './options.js';

/** Remembers proof ids until a time; answers whether this was the first time. */
export interface DpopReplayCache {
  /**
   * Records `id` until `untilMs` (ms since the epoch); false when it was
   * already recorded and not yet past its time. Rejecting answers 503
   * (the proof cannot be confirmed unused), never accepts.
   */
  remember(id: string, untilMs: number): boolean | Promise<boolean>;
}

/** Bound on the entries held at once: a flood of distinct proofs costs memory up to this, then is refused as replays. */
const MAX_ENTRIES = 100_000;

/**
 * A cache in this process's memory, bounded by the proofs' lifetime (an
 * entry is dropped once its proof would be too old anyway) and by
 * {@link MAX_ENTRIES}: when that many proofs are live, new ones are refused
 * rather than old ones forgotten (forgetting would let a captured proof through).
 *
 * @example
 * ```ts
 * const cache = createMemoryReplayCache({ now: () => Date.now() });
 * cache.remember('id', Date.now() + 61_000); // true, then false until then
 * ```
 */
export function createMemoryReplayCache(clock: Clock, maxEntries = MAX_ENTRIES): DpopReplayCache {
  // Insertion order is close to expiry order (every entry lives about as long): sweep from the front.
  const entries = new Map<string, number>();
  const sweep = (now: number) => {
    for (const [id, until] of entries) {
      if (until > now) break;
      entries.delete(id);
    }
  };
  return {
    remember(id, untilMs) {
      const now = clock.now();
      sweep(now);
      const known = entries.get(id);
      if (known !== undefined && known > now) return false;
      if (entries.size >= maxEntries) return false;
      entries.set(id, untilMs);
      return true;
    },
  };
}
