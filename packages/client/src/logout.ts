import { paths } from '@tessera/protocol';
import { AuthClientError, errorFromResponse } from './errors.js';
import { discardBody, postJson, type FetchLike } from './http.js';
import type { Session } from './session.js';
import type { Transport } from './transport.js';

/**
 * What {@link AuthClient.logout} learned from the server. Local state is
 * cleared either way; `confirmed: false` says the server may still hold the
 * session (its refresh token stays valid until it expires), with the reason:
 * `network_error`, `throttled`, `service_unavailable`, `csrf_failed`, …
 */
export type LogoutResult =
  { readonly confirmed: true } | { readonly confirmed: false; readonly reason: AuthClientError };

/** What ending a session on the server needs from the client. */
export interface LogoutContext {
  fetch: FetchLike;
  apiUrl(path: string): string;
  transport: Transport;
  /** This device's time corrected for the server's clock, in ms. */
  serverNow(): number;
  /**
   * Sends `post` for `session`'s access token to `url`: with a DPoP proof (and
   * its one nonce retry) when the token is bound; as it is otherwise.
   */
  sendWithAccess(
    url: string,
    session: Session,
    post: (headers: Record<string, string>) => Promise<Response>,
  ): Promise<Response>;
}

/** An access token this close to `exp` is not trusted to authenticate the logout: the request takes time too. */
const ACCESS_MARGIN_MS = 5_000;

/**
 * Ends `session` on the server. With an access token that is still good, by
 * `/api/auth/logout/` (the caller's own logout, audited as such); with a
 * stale one, or when that answers 401, by `/api/token/blacklist/`, which
 * needs only the refresh token (the body's, or in cookie transport the
 * refresh cookie with the CSRF header). Never refreshes first: a refresh
 * can be throttled or fail exactly when the user wants out. Never throws.
 *
 * @example
 * ```ts
 * const result = await revokeOnServer(ctx, session);
 * if (!result.confirmed) console.warn('logged out here only:', result.reason.code);
 * ```
 */
export async function revokeOnServer(ctx: LogoutContext, session: Session): Promise<LogoutResult> {
  try {
    const credentials = ctx.transport.credentialsFor('POST', session);
    if (accessUsable(ctx, session)) {
      const body = ctx.transport.logoutBody(session);
      const url = ctx.apiUrl(paths.authLogout);
      const response = await ctx.sendWithAccess(url, session, (proof) =>
        postJson(ctx.fetch, url, body, { ...credentials, headers: { ...credentials.headers, ...proof } }),
      );
      if (response.ok) return confirmed(response);
      if (response.status !== 401) return unconfirmed(await errorFromResponse(response));
      discardBody(response);
    }
    const body = ctx.transport.refreshBody(session);
    if (body === null) {
      return unconfirmed(new AuthClientError('not_authenticated', 'The session has no refresh token to revoke.'));
    }
    const response = await postJson(ctx.fetch, ctx.apiUrl(paths.tokenBlacklist), body, credentials);
    if (response.ok) return confirmed(response);
    const error = await errorFromResponse(response);
    // The server refuses the refresh token itself (blacklisted, expired, not its own): no session of it remains.
    if (response.status === 401 && error.code === 'token_not_valid') return { confirmed: true };
    return unconfirmed(error);
  } catch (error) {
    const reason =
      error instanceof AuthClientError ? error : new AuthClientError('network_error', String(error), { cause: error });
    return unconfirmed(reason);
  }
}

/** Whether the session's access token can authenticate a request now (unknown claims in cookie transport: try). */
function accessUsable(ctx: LogoutContext, session: Session): boolean {
  if (ctx.transport.kind === 'bearer' && session.access === null) return false;
  if (session.claims === null) return ctx.transport.kind === 'cookie';
  return ctx.serverNow() < session.claims.exp * 1000 - ACCESS_MARGIN_MS;
}

function confirmed(response: Response): LogoutResult {
  discardBody(response);
  return { confirmed: true };
}

function unconfirmed(reason: AuthClientError): LogoutResult {
  return { confirmed: false, reason };
}
