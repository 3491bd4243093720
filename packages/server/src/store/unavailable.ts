import type { Store } from './types.js';

/** The database could not be reached or did not answer in time: the request may be retried. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(options: { cause: unknown }) {
    super('The store is unavailable.', options);
  }
}

/**
 * Wraps every method of `store` so that a driver error that means "not
 * reachable now" becomes a {@link StoreUnavailableError}; other errors pass.
 */
export function guardAvailability(store: Store, isUnavailable: (error: unknown) => boolean): Store {
  const guarded = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(store) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await method(...args);
      } catch (error) {
        if (isUnavailable(error)) throw new StoreUnavailableError({ cause: error });
        throw error;
      }
    };
  }
  return guarded as unknown as Store;
}
