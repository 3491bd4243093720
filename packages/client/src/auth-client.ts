import type { LogoutResult } from './logout.js';
import type { AccountMailCalls } from './account-mail.js';
import type { AuthListener, AuthSnapshot, AuthUser } from './session-state.js';

/** The credentials to put on one request, and the stamp to hand back on a 401. */
export interface RequestAuthorization {
  headers: Record<string, string>;
  credentials: RequestInit['credentials'] | undefined;
  /** Names the credentials sent; null when none were (no session, or not the API). */
  stamp: string | null;
}

/** The client; see {@link createAuthClient}. Also {@link AccountMailCalls}: `requestPasswordReset`, `confirmPasswordReset`, `verifyEmail`, `resendVerification`. */
export interface AuthClient extends AccountMailCalls {
  /** Logs in; resolves with the user (null in cookie transport when the server sends no body). */
  login(username: string, password: string): Promise<AuthUser | null>;
  /**
   * Ends this session on the server and logs out every tab. Never throws: local state is cleared
   * whatever happens, and the result says whether the server confirmed (see {@link LogoutResult}).
   */
  logout(): Promise<LogoutResult>;
  /** Revokes every session of the user, then logs out locally; throws if the server did not confirm. */
  logoutAll(): Promise<void>;
  /** Refreshes now (joining a refresh in flight). Throws `not_authenticated`, `network_error`, `session_expired`, `throttled` (before `retryAt` without asking the server) … */
  refresh(): Promise<void>;
  /** `fetch` with credentials for the API: relative paths resolve against `baseUrl`; a 401 is retried once after a refresh. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The access token (bearer transport); always null in cookie transport. */
  getAccessToken(): string | null;
  /** The access token's claims, or null. */
  getUser(): AuthUser | null;
  /** Calls `listener` after each change of the snapshot; returns the unsubscribe function. */
  subscribe(listener: AuthListener): () => void;
  getSnapshot(): AuthSnapshot;
  /** Resolves once the stored session has been read (at once for synchronous storage). */
  readonly ready: Promise<void>;
  /**
   * For interceptors: the credentials for a request to `url` (refreshing first if the token is due). With a
   * DPoP-bound access token they are `Authorization: DPoP <token>` and a `DPoP` proof for this method and URL:
   * call it once per request sent, retries included.
   */
  authorize(url: string, method?: string): Promise<RequestAuthorization>;
  /** For interceptors: after a 401 to a request sent with `stamp`, whether to retry it once (refreshing if needed). */
  handleUnauthorized(stamp: string): Promise<boolean>;
  /**
   * For interceptors: a 401 `use_dpop_nonce` to a request to `url` came with
   * this `DPoP-Nonce`. Keeps it for the next proofs, and returns whether to
   * send the request once more (then {@link authorize} again, for a fresh proof).
   */
  acceptDpopNonce(url: string, nonce: string | null | undefined): boolean;
  /** Stops timers and tab listeners. */
  dispose(): void;
}
