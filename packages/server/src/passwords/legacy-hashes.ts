import type { Store } from '../store/types.js';

/** How often the store is asked again: hashes imported while the server runs are seen within this. */
const RECHECK_MS = 60_000;

/** Whether the store holds Django hashes, as last seen; see {@link watchLegacyHashes}. */
export interface LegacyHashes {
  readonly present: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Follows whether any user still has a Django hash, so that the hasher's
 * timing floor (which keeps an unknown user as slow as a Django user) costs
 * nothing once every hash is argon2id. Until the store answers, and whenever
 * it cannot, hashes are assumed present: the floor is the safe side.
 */
export function watchLegacyHashes(store: Pick<Store, 'hasLegacyPasswordHashes'>): LegacyHashes {
  let present = true;
  let timer: NodeJS.Timeout | undefined;
  const check = () =>
    store.hasLegacyPasswordHashes().then(
      (found) => {
        present = found;
      },
      () => {
        present = true;
      },
    );
  return {
    get present() {
      return present;
    },
    async start() {
      await check();
      timer = setInterval(() => void check(), RECHECK_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      return Promise.resolve();
    },
  };
}
