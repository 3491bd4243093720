import type { Store } from './types.js';

/** The database could not be reached or did not answer in time: the request may be retried. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(options: { cause: unknown }) {
    super('The store is unavailable.', options);
  }
}

/** How long a failure keeps `ping` failing, unless a call succeeds first. */
const FAILURE_REMEMBERED_MS = 10_000;

/**
 * Wraps every method of `store` so that a driver error that means "not
 * reachable now" becomes a {@link StoreUnavailableError}; other errors pass.
 * `ping` (readiness) also fails while the latest call failed so, within the
 * last ten seconds: a full disk still answers a `SELECT 1`.
 */
export function guardAvailability(store: Store, isUnavailable: (error: unknown) => boolean): Store {
  let failure: { at: number; cause: unknown } | undefined;
  const guarded = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(store) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
    guarded[name] = async (...args: unknown[]) => {
      if (name === 'ping' && failure !== undefined && Date.now() - failure.at < FAILURE_REMEMBERED_MS) {
        throw new StoreUnavailableError({ cause: failure.cause });
      }
      try {
        const result = await method(...args);
        if (name !== 'ping') failure = undefined;
        return result;
      } catch (error) {
        if (!isUnavailable(error)) throw error;
        failure = { at: Date.now(), cause: error };
        throw new StoreUnavailableError({ cause: error });
      }
    };
  }
  return guarded as unknown as Store;
}
