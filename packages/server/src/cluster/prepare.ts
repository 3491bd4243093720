/**
 * What the primary of `tessera serve --workers N` does once, before it forks:
 * the work that N workers starting together would race on.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { ensureSigningKeys } from '../keys/ensure.js';
import { ensureSecretKey } from '../secret-key.js';
import { openStore } from '../store/open.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import type { PrimaryLog } from './primary-log.js';

/**
 * Makes the development secret key (its file is created exclusively: two
 * workers making it together would fail one of them), migrates the database,
 * and makes the signing keys a first start needs. Workers then find all three
 * done; each would only read them. A database not reachable yet is no error:
 * the workers wait for it as a single process does (answering 503), and the
 * migrator's lock and the keys' atomic change keep their start safe.
 *
 * @example
 * ```ts
 * await prepareForWorkers(config, log, systemClock);
 * ```
 */
export async function prepareForWorkers(config: Config, log: PrimaryLog, clock: Clock): Promise<void> {
  const secretKey = ensureSecretKey(config, (message) => log.warn(message));
  let store;
  try {
    store = await openStore(config, {
      onDirectoryCreated: (directory) => log.info(`created the directory ${directory} for the SQLite database`),
    });
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    log.warn(`cannot reach the database (${cause}); starting the workers, which wait for it and migrate it`);
    return;
  }
  try {
    await ensureSigningKeys(store, {
      secretKey,
      algorithm: config.signingAlgorithm,
      now: clock.now(),
      replaceNext: true,
    });
  } finally {
    await store.close();
  }
}
