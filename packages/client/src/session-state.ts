import type { TokenClaims } from '@tessera/protocol';
import { sameSession, type Session } from './session.js';

/**
 * Where the client stands:
 * - `authenticated`: there is a session and the server was reachable last time.
 * - `loading`: the stored session is being read (async storage, e.g. React Native's); whether there is
 *   one is not known yet, so a UI shows neither the page nor the login form.
 * - `refreshing`: new credentials are being obtained.
 * - `offline`: there is a session, but the server could not be reached; it is kept.
 * - `throttled`: there is a session, but the server refused to refresh it until `retryAt` (429). Requests
 *   still work while the access token lasts (`expiresAt`); after that they get 401 until the client
 *   refreshes at `retryAt`, on its own.
 * - `unauthenticated`: there is no session.
 */
export type AuthStatus = 'loading' | 'authenticated' | 'refreshing' | 'offline' | 'throttled' | 'unauthenticated';

/** The claims of the access token: who is logged in. */
export type AuthUser = TokenClaims;

/**
 * What a UI renders from. The same object is returned until something in it
 * changes, so it works with React's `useSyncExternalStore`.
 */
export interface AuthSnapshot {
  readonly status: AuthStatus;
  readonly user: AuthUser | null;
  /** When the access token expires, in milliseconds on this device's clock (corrected for skew); null if unknown. */
  readonly expiresAt: number | null;
  /** While `status` is `throttled`: when the client refreshes again, in milliseconds on this device's clock; else null. */
  readonly retryAt: number | null;
}

/** Called after every change of the snapshot. */
export type AuthListener = (snapshot: AuthSnapshot) => void;

/** The client's state: the session, the status, the server's clock offset, and who listens. */
export class SessionState {
  session: Session | null = null;
  status: AuthStatus = 'unauthenticated';
  /** When a throttled refresh may be tried again (this device's ms); null unless `status` is `throttled`. */
  retryAt: number | null = null;
  /** Server clock minus this device's clock, in milliseconds. */
  skewMs = 0;
  private snapshot: AuthSnapshot = Object.freeze({
    status: 'unauthenticated',
    user: null,
    expiresAt: null,
    retryAt: null,
  });
  private readonly listeners = new Set<AuthListener>();

  /** Sets the session and status, and notifies listeners if the snapshot changed. */
  update(session: Session | null, status: AuthStatus): void {
    const changed = !sameSession(this.session, session);
    this.session = session;
    this.status = session === null ? 'unauthenticated' : status;
    this.retryAt = null;
    this.publish(changed);
  }

  /** No session known yet while async storage is read: `loading`, so a UI shows a spinner, not a login form. */
  beginLoading(): void {
    this.status = 'loading';
    this.publish(false);
  }

  /** Sets the status of the session there is (none: nothing changes); `throttled` is set by {@link throttle}. */
  setStatus(status: Exclude<AuthStatus, 'throttled' | 'loading'>): void {
    if (this.session === null) return;
    this.status = status;
    this.retryAt = null;
    this.publish(false);
  }

  /** The server refused to refresh the session until `retryAt` (this device's ms). */
  throttle(retryAt: number): void {
    if (this.session === null) return;
    this.status = 'throttled';
    this.retryAt = retryAt;
    this.publish(false);
  }

  /** Whether a refresh now would only be refused again: throttled, and `retryAt` not reached at `nowMs`. */
  throttledAt(nowMs: number): boolean {
    return this.status === 'throttled' && this.retryAt !== null && nowMs < this.retryAt;
  }

  setSkew(skewMs: number): void {
    this.skewMs = skewMs;
    this.publish(false);
  }

  getSnapshot(): AuthSnapshot {
    return this.snapshot;
  }

  subscribe(listener: AuthListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private publish(sessionChanged: boolean): void {
    const user = this.session?.claims ?? null;
    const expiresAt = user === null ? null : user.exp * 1000 - this.skewMs;
    const previous = this.snapshot;
    if (
      !sessionChanged &&
      previous.status === this.status &&
      previous.user === user &&
      previous.expiresAt === expiresAt &&
      previous.retryAt === this.retryAt
    ) {
      return;
    }
    this.snapshot = Object.freeze({ status: this.status, user, expiresAt, retryAt: this.retryAt });
    for (const listener of [...this.listeners]) {
      try {
        listener(this.snapshot);
      } catch (error) {
        // A listener's failure is its own: the others still hear, and it is reported as uncaught.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
