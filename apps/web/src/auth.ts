import { createAuthClient, createLocalStorage, createMemoryStorage, type AuthClient } from '@tessera/client';
import type { WebConfig } from './web-config';

/** Why the last session ended, for the login page to say; cleared once shown. */
let endedReason: string | null = null;

/**
 * The app's one client. Cookie transport keeps every token in HttpOnly
 * cookies; local storage then holds only the access token's claims (who is
 * logged in, until when), so a reload and other tabs know the user. Without
 * cookie mode on the server, tokens stay in memory: a reload logs out.
 */
export function createAppAuthClient(config: WebConfig): AuthClient {
  const cookie = config.transport === 'cookie';
  return createAuthClient({
    baseUrl: window.location.origin,
    transport: config.transport,
    storage: cookie ? createLocalStorage() : createMemoryStorage(),
    onSessionExpired: () => {
      endedReason = 'Your session has ended. Please log in again.';
    },
  });
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
