/**
 * When the primary starts a worker again, and when it stops trying: a worker
 * that dies is replaced after a wait that doubles while its replacements keep
 * dying young, and when every worker has died before it ever listened (a
 * port taken, a database refused) there is nothing to wait for: the primary
 * exits non-zero rather than fork in a loop.
 */

/** The first wait before a replacement; it doubles while replacements die young. */
export const FIRST_RESTART_MS = 250;
/** The longest wait before a replacement. */
export const LONGEST_RESTART_MS = 10_000;
/** A worker up this long died of something that may not happen again: its next replacement waits the first wait. */
export const STABLE_AFTER_MS = 10_000;

/** How a worker ended. */
export interface WorkerEnd {
  /** Whether its server ever listened. */
  listened: boolean;
  /** How long it ran. */
  upForMs: number;
}

export interface RestartPolicy {
  /** The worker in `slot` listens now. */
  listened(slot: number): void;
  /**
   * The worker in `slot` ended unasked; `listeningNow` workers still serve.
   * Returns the wait before its replacement, or `give up` when every slot's
   * latest worker died before it listened and none serves.
   */
  ended(slot: number, end: WorkerEnd, listeningNow: number): number | 'give up';
}

/**
 * @example
 * ```ts
 * const policy = createRestartPolicy(2);
 * policy.ended(1, { listened: false, upForMs: 300 }, 0); // 250
 * policy.ended(2, { listened: false, upForMs: 310 }, 0); // 'give up'
 * ```
 */
export function createRestartPolicy(workers: number): RestartPolicy {
  /** Deaths in a row of each slot's workers, each younger than {@link STABLE_AFTER_MS}. */
  const youngDeaths = new Map<number, number>();
  /** Slots whose latest worker died before it listened. */
  const failedAtStart = new Set<number>();
  return {
    listened(slot) {
      failedAtStart.delete(slot);
    },
    ended(slot, { listened, upForMs }, listeningNow) {
      if (listened) failedAtStart.delete(slot);
      else failedAtStart.add(slot);
      if (failedAtStart.size >= workers && listeningNow === 0) return 'give up';
      const deaths = upForMs >= STABLE_AFTER_MS ? 1 : (youngDeaths.get(slot) ?? 0) + 1;
      youngDeaths.set(slot, deaths);
      return Math.min(FIRST_RESTART_MS * 2 ** (deaths - 1), LONGEST_RESTART_MS);
    },
  };
}
