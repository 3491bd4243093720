import type { Store } from './types.js';
import { StoreUnavailableError } from './unavailable.js';

/** Every method of {@link Store}; the type below fails to compile when one is missing. */
const STORE_METHODS = [
  'createUser',
  'findUserById',
  'findUserByUsername',
  'listUsers',
  'setPassword',
  'updateProfile',
  'setActive',
  'deleteUser',
  'updateUser',
  'searchUsers',
  'startSession',
  'findRefreshToken',
  'rotateRefreshToken',
  'findSession',
  'listSessions',
  'revokeSession',
  'hasSessionFrom',
  'hasLegacyPasswordHashes',
  'revokeUserSessions',
  'deleteExpired',
  'rememberDpopProof',
  'appendAudit',
  'deleteAuditBefore',
  'listAudit',
  'listSigningKeys',
  'changeSigningKeys',
  'hasSessions',
  'readRevocations',
  'latestRevocationId',
  'revocationLogBounds',
  'revocationCursorAt',
  'createService',
  'findService',
  'listServices',
  'revokeService',
  'importDjango',
  'isSimplejwtBlacklisted',
  'blacklistSimplejwt',
  'adoptLegacyRefreshToken',
  'findDrfTokenUser',
  'revokeDrfTokens',
  'enqueueMail',
  'claimDueMail',
  'finishMail',
  'retryMail',
  'listMail',
  'requeueFailedMail',
  'findActiveUsersByEmail',
  'issuePasswordReset',
  'findPasswordReset',
  'completePasswordReset',
  'setEmailVerified',
  'findUsersAwaitingVerification',
  'issueEmailVerification',
  'findEmailVerification',
  'completeEmailVerification',
  'ping',
] as const satisfies readonly (keyof Store)[];
type Unlisted = Exclude<keyof Store, (typeof STORE_METHODS)[number] | 'close'>;
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true;

/** The waits between attempts to open the store: doubling, then every 10 s. */
const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 10_000;

export interface OpenWhenReachableOptions {
  /** Told of each failed attempt and when the next one is. */
  onWaiting(error: StoreUnavailableError, retryInMs: number): void;
  /** Told once the store is open. */
  onOpen(): void;
  /** Told of an error waiting will not fix (bad credentials, say), met once the database answered. */
  onGiveUp(error: unknown): void;
}

/**
 * Opens the store now if the database answers. If it does not answer yet
 * (it is starting beside tessera, as orchestrators start them), answers at
 * once with a store whose every call fails with {@link StoreUnavailableError}
 * (503 with Retry-After; `/healthz` stays 200), and keeps trying in the
 * background with backoff; calls reach the real store as soon as it opens.
 * Errors that waiting would not fix (bad credentials, no such database, a host
 * name that does not resolve) are thrown, as before.
 */
export async function openWhenReachable(open: () => Promise<Store>, options: OpenWhenReachableOptions): Promise<Store> {
  try {
    return await open();
  } catch (error) {
    if (!worthWaitingFor(error)) throw error;
    return openLater(open, error, options);
  }
}

function worthWaitingFor(error: unknown): error is StoreUnavailableError {
  const code = ((error as { cause?: { code?: unknown } } | null)?.cause as { code?: unknown } | undefined)?.code;
  return error instanceof StoreUnavailableError && code !== 'ENOTFOUND' && code !== 'EAI_AGAIN';
}

function openLater(open: () => Promise<Store>, first: StoreUnavailableError, options: OpenWhenReachableOptions): Store {
  let real: Store | undefined;
  let lastError = first;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const attempt = (waitMs: number) => {
    options.onWaiting(lastError, waitMs);
    timer = setTimeout(() => {
      open().then(
        (store) => {
          if (closed) return void store.close();
          real = store;
          options.onOpen();
        },
        (error: unknown) => {
          if (closed) return;
          if (!worthWaitingFor(error)) return options.onGiveUp(error);
          lastError = error;
          attempt(Math.min(waitMs * 2, LONGEST_RETRY_MS));
        },
      );
    }, waitMs);
  };
  attempt(FIRST_RETRY_MS);

  const deferred = { close } as Record<string, unknown>;
  for (const name of STORE_METHODS) {
    deferred[name] = (...args: unknown[]) => {
      if (real === undefined) return Promise.reject(new StoreUnavailableError({ cause: lastError.cause }));
      return (real[name] as (...parameters: unknown[]) => Promise<unknown>)(...args);
    };
  }
  void everyMethodListed;
  return deferred as unknown as Store;

  async function close() {
    closed = true;
    clearTimeout(timer);
    await real?.close();
  }
}
