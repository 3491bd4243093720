import { createAuthClient, createLocalStorage, createMemoryStorage, type AuthClient } from '@tessera/client';
import type { WebConfig } from './web-config';

/** Why the last session ended, for the login page to say; cleared once shown. */
let endedReason: string | null = null;

/**
 * The app's one client. Cookie transport keeps every token in HttpOnly
 * cookies; local storage then holds only the access token's claims (who is
 * logged in, until when), so a reload and other tabs know the user.
 *
 * Unless the server has DPoP off, the session is bound to a non-extractable
 * key of this browser (kept in IndexedDB), so a refresh token is useless off
 * this device. That is what lets bearer transport keep its tokens in local
 * storage too (a reload and other tabs keep the session): one copied out of
 * it, or out of a backup of the profile, cannot be refreshed elsewhere, and
 * its access token expires within minutes. Without DPoP, bearer tokens stay
 * in memory: a reload logs out.
 */
export function createAppAuthClient(config: WebConfig): AuthClient {
  const dpop = config.dpop !== 'off' && dpopSupported();
  const persist = config.transport === 'cookie' || dpop;
  return createAuthClient({
    baseUrl: window.location.origin,
    transport: config.transport,
    dpop,
    storage: persist ? createLocalStorage() : createMemoryStorage(),
    onSessionExpired: () => {
      endedReason = 'Your session has ended. Please log in again.';
    },
  });
}

/** Whether this browser can keep a DPoP key: IndexedDB, and WebCrypto (a secure context: https or localhost). */
function dpopSupported(): boolean {
  return typeof indexedDB !== 'undefined' && typeof globalThis.crypto?.subtle?.generateKey === 'function';
}

/** The reason the session ended, once. */
export function takeSessionEndedReason(): string | null {
  const reason = endedReason;
  endedReason = null;
  return reason;
}

/**
 * In cookie mode a login must carry a CSRF token that matches what the
 * browser holds: fetch a fresh one first (it also sets the `csrftoken` cookie).
 */
export async function prepareLogin(config: WebConfig): Promise<void> {
  if (config.transport !== 'cookie') return;
  await fetch('/api/csrf/', { credentials: 'same-origin', headers: { accept: 'application/json' } });
}
