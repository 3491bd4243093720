/**
 * Single-flight refresh. However many callers ask at once, one refresh runs
 * and all of them get its outcome; a request that got 401 asks with the
 * credentials it was sent with, so one sent before a refresh finished is
 * retried with the new credentials without another refresh.
 */
export interface RefreshCoordinator<S> {
  /** Joins the refresh in flight, or starts one from the current session. */
  refresh(): Promise<S>;
  /** The refresh in flight, if any. */
  readonly inFlight: Promise<S> | null;
  /**
   * After a 401 for a request sent with credentials `sentWith`: whether
   * retrying it is worthwhile, i.e. the session now has other credentials
   * (refreshing once when it does not yet). Never rejects.
   */
  recover(sentWith: string): Promise<boolean>;
}

export interface CoordinatorOptions<S> {
  /** The stamp of the current session's credentials, or null without a session. */
  currentStamp(): string | null;
  /** Performs one refresh (lock, network, storage); its errors reach every waiter. */
  perform(): Promise<S>;
}

/**
 * A coordinator around `perform`.
 *
 * @example
 * ```ts
 * const coordinator = createRefreshCoordinator({ currentStamp: () => session?.stamp ?? null, perform: doRefresh });
 * if (response.status === 401 && (await coordinator.recover(stampSentWith))) response = await retry();
 * ```
 */
export function createRefreshCoordinator<S>(options: CoordinatorOptions<S>): RefreshCoordinator<S> {
  let inFlight: Promise<S> | null = null;

  function refresh(): Promise<S> {
    if (inFlight === null) {
      const started = options.perform();
      inFlight = started;
      const clear = () => {
        if (inFlight === started) inFlight = null;
      };
      started.then(clear, clear);
    }
    return inFlight;
  }

  async function recover(sentWith: string): Promise<boolean> {
    if (inFlight !== null) {
      try {
        await inFlight;
      } catch {
        return false;
      }
    }
    const current = options.currentStamp();
    if (current === null) return false;
    if (current !== sentWith) return true;
    try {
      await refresh();
    } catch {
      return false;
    }
    const next = options.currentStamp();
    return next !== null && next !== sentWith;
  }

  return {
    refresh,
    get inFlight() {
      return inFlight;
    },
    recover,
  };
}
