import type { TokenClaims } from '@tessera/protocol';
import { sameSession, type Session } from './session.js';

/**
 * Where the client stands:
 * - `authenticated`: there is a session and the server was reachable last time.
 * - `refreshing`: new credentials are being obtained (or, with async storage, the stored session is being read).
 * - `offline`: there is a session, but the server could not be reached; it is kept.
 * - `unauthenticated`: there is no session.
 */
export type AuthStatus = 'authenticated' | 'refreshing' | 'offline' | 'unauthenticated';

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
}

/** Called after every change of the snapshot. */
export type AuthListener = (snapshot: AuthSnapshot) => void;

/** The client's state: the session, the status, the server's clock offset, and who listens. */
export class SessionState {
  session: Session | null = null;
  status: AuthStatus = 'unauthenticated';
  /** Server clock minus this device's clock, in milliseconds. */
  skewMs = 0;
  private snapshot: AuthSnapshot = Object.freeze({ status: 'unauthenticated', user: null, expiresAt: null });
  private readonly listeners = new Set<AuthListener>();

  /** Sets the session and status, and notifies listeners if the snapshot changed. */
  update(session: Session | null, status: AuthStatus): void {
    const changed = !sameSession(this.session, session);
    this.session = session;
    this.status = session === null ? 'unauthenticated' : status;
    this.publish(changed);
  }

  /** No session known yet while async storage is read: `refreshing`, so a UI shows a spinner, not a login form. */
  beginLoading(): void {
    this.status = 'refreshing';
    this.publish(false);
  }

  setStatus(status: AuthStatus): void {
    if (this.session === null) return;
    this.status = status;
    this.publish(false);
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
      previous.expiresAt === expiresAt
    ) {
      return;
    }
    this.snapshot = Object.freeze({ status: this.status, user, expiresAt });
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
