import type { AuthClient, AuthStatus, AuthUser } from '@tessera/client';
import { useContext, useMemo, useSyncExternalStore } from 'react';
import { AuthClientContext } from './auth-provider.js';

/** What {@link useAuth} returns: the client's snapshot and its verbs. */
export interface UseAuth {
  status: AuthStatus;
  /** The access token's claims (`username`, `user_id`, `sid`, `exp`, …), or null. */
  user: AuthUser | null;
  /** While `status` is `throttled`: when the client refreshes again (ms since the epoch, this device's clock); else null. */
  retryAt: number | null;
  /** Logs in; rejects with an `AuthClientError` (`no_active_account` for bad credentials, `throttled`, …). */
  login: AuthClient['login'];
  /** Ends this session on the server and in every tab; resolves with whether the server confirmed (never rejects). */
  logout: AuthClient['logout'];
  /** `fetch` with credentials for the API; a 401 is retried once after a refresh. */
  fetch: AuthClient['fetch'];
  /** The client itself, for everything else (`logoutAll`, `refresh`, …). */
  client: AuthClient;
}

/**
 * The auth state of the nearest {@link AuthProvider}'s client. Re-renders when
 * its snapshot (status, user, expiry, retry time) changes, and only then.
 *
 * @example
 * ```tsx
 * function Greeting() {
 *   const { status, user, logout } = useAuth();
 *   if (status === 'unauthenticated') return <a href="/login">Log in</a>;
 *   return <button onClick={() => void logout()}>Log out {user?.username}</button>;
 * }
 * ```
 * @throws {Error} outside an {@link AuthProvider}.
 */
export function useAuth(): UseAuth {
  const client = useAuthClient();
  // Stable for the client's lifetime: React resubscribes only for another client, and effects may depend on them.
  const bound = useMemo(
    () => ({
      subscribe: (onChange: () => void) => client.subscribe(onChange),
      getSnapshot: () => client.getSnapshot(),
      login: (username: string, password: string) => client.login(username, password),
      logout: () => client.logout(),
      fetch: (input: string | URL | Request, init?: RequestInit) => client.fetch(input, init),
    }),
    [client],
  );
  const snapshot = useSyncExternalStore(bound.subscribe, bound.getSnapshot, bound.getSnapshot);
  const { login, logout, fetch } = bound;
  return { status: snapshot.status, user: snapshot.user, retryAt: snapshot.retryAt, login, logout, fetch, client };
}

/**
 * The client of the nearest {@link AuthProvider}, without subscribing to it.
 *
 * @example
 * ```tsx
 * const auth = useAuthClient();
 * const onClick = () => void auth.logoutAll();
 * ```
 * @throws {Error} outside an {@link AuthProvider}.
 */
export function useAuthClient(): AuthClient {
  const client = useContext(AuthClientContext);
  if (client === null) throw new Error('useAuth() needs an <AuthProvider client={…}> above it.');
  return client;
}
