/**
 * The key ring: the keys this instance signs and verifies with, loaded from
 * the store at start, loaded again when the revocation feed says a key was
 * revoked or the set changed, and by a check every minute that also makes
 * missing keys and promotes or rotates when due. A failed load keeps the
 * keys already loaded. Private keys live only inside the signer's closure:
 * nothing here is ever logged.
 */
import type { SigningAlgorithm } from '@tessera/protocol';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Store } from '../store/types.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import type { KeySet } from '../tokens/jwt.js';
import { ensureSigningKeys } from './ensure.js';
import type { PublicJwk } from './generate.js';
import { loadKeys, type LoadedKeys } from './key-set.js';
import { rotateWhenDue } from './rotation.js';

/** How often each instance checks its keys. */
export const KEY_CHECK_INTERVAL_MS = 60_000;

export type KeyRingSettings = Pick<
  Config,
  'signingAlgorithm' | 'keyRotationDays' | 'refreshTokenTtlSeconds' | 'sessionMaxAgeSeconds' | 'leewaySeconds'
>;

export interface KeyRingLog {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

export interface KeyRing {
  /**
   * The keys now.
   * @throws {StoreUnavailableError} until the first load succeeded (a load is started).
   */
  keys(): KeySet;
  /**
   * The public keys the JWKS serves now: next, current and accepted retired asymmetric keys.
   * @throws {StoreUnavailableError} like {@link KeyRing.keys}.
   */
  publicKeys(): PublicJwk[];
  /** The algorithms of the keys accepted now. */
  algorithms(): SigningAlgorithm[];
  /**
   * Makes the keys that are missing (replacing a next key of another algorithm)
   * and loads them. A store not reachable yet is not an error: the keys load
   * when it is. Errors of configuration are thrown (a wrong `TESSERA_SECRET_KEY`).
   */
  start(): Promise<void>;
  /** Loads the keys again from the store (the feed heard `key` or `keys`). */
  reload(): Promise<void>;
  /** The minute check, now. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * @example
 * ```ts
 * const ring = createKeyRing({ store, secretKey, settings: config, clock, log: app.log });
 * await ring.start();
 * const jwt = createJwtCodec(() => ring.keys(), clock);
 * ```
 */
export function createKeyRing(options: {
  store: Store;
  secretKey: string;
  settings: KeyRingSettings;
  clock: Clock;
  log: KeyRingLog;
}): KeyRing {
  const { store, secretKey, settings, clock, log } = options;
  let loaded: LoadedKeys | undefined;
  let loading: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let lastError: unknown;

  const ensure = (replaceNext: boolean) =>
    ensureSigningKeys(store, { secretKey, algorithm: settings.signingAlgorithm, now: clock.now(), replaceNext });

  const load = async () => {
    const rows = await store.listSigningKeys();
    loaded = loadKeys(rows, secretKey, settings, clock.now());
  };

  /** One load at a time; a request during a load loads once more after it. */
  const reload = (): Promise<void> => {
    if (loading !== undefined) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        try {
          await (loaded === undefined ? ensure(false).then(load) : load());
          lastError = undefined;
        } catch (error) {
          // Keep serving with the keys loaded; said once per failure.
          if (lastError === undefined) log.warn({ err: error }, 'cannot load the signing keys; keeping those loaded');
          lastError = error;
          if (!(error instanceof StoreUnavailableError)) throw error;
        }
      } while (again);
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  };

  const required = (): LoadedKeys => {
    if (loaded !== undefined) return loaded;
    void reload().catch(() => undefined);
    throw new StoreUnavailableError({ cause: lastError ?? new Error('the signing keys are not loaded yet') });
  };
  return {
    keys: () => required().set,
    publicKeys() {
      const now = clock.now();
      return required()
        .published.filter((key) => key.until > now)
        .map((key) => key.jwk);
    },
    algorithms() {
      const now = clock.now();
      const accepted = required().algorithms.filter((key) => key.until > now);
      return [...new Set(accepted.map((key) => key.algorithm))];
    },
    async start() {
      try {
        await ensure(true);
        await load();
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        log.warn({ err: error }, 'cannot load the signing keys yet; they load when the database answers');
      }
      timer = setInterval(() => void this.check(), KEY_CHECK_INTERVAL_MS);
      timer.unref();
    },
    reload,
    async check() {
      try {
        if (loaded !== undefined) {
          const rotated = await rotateWhenDue(store, {
            secretKey,
            algorithm: settings.signingAlgorithm,
            now: clock.now(),
            rotationDays: settings.keyRotationDays,
          });
          if (rotated) log.info({}, 'signing keys rotated: the next key signs now');
          await ensure(false);
        }
        await reload();
      } catch (error) {
        log.warn({ err: error }, 'signing key check failed; will retry');
      }
    },
    stop: () => clearInterval(timer),
  };
}
