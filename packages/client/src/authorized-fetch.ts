import type { FetchLike } from './http.js';
import { discardBody } from './http.js';
import type { RequestAuthorization } from './auth-client.js';

/** What sending with credentials needs from the client. */
export interface SendContext {
  /** Credentials for a request, after any refresh that is due. */
  authorize(url: string, method: string): Promise<RequestAuthorization>;
  /** Credentials as they are now, for a retry (with a fresh DPoP proof when the access token is bound). */
  credentialsNow(url: string, method: string): Promise<RequestAuthorization>;
  /** Notes an answer's `DPoP-Nonce`; true when the answer asks for it (the DPoP requests' `observe`). */
  asksForNonce(url: string, response: Response): Promise<boolean>;
  /** See {@link RefreshCoordinator.recover}. */
  recover(stamp: string): Promise<boolean>;
  /** An HTTP answer from the API came back. */
  onAnswer(response: Response): void;
  /** A request to the API got no HTTP answer. */
  onNoAnswer(): void;
}

/**
 * Sends a request built by `build` with the credentials of the moment; on a
 * 401 it asks the coordinator and retries once with the new credentials. A
 * 401 after the retry is the caller's. A request with a DPoP proof that the
 * server answers `use_dpop_nonce` goes once more first, with the nonce given.
 *
 * @example
 * ```ts
 * const response = await sendWithRetry(ctx, url, 'GET', (auth) => fetch(url, { headers: auth.headers }));
 * ```
 */
export async function sendWithRetry(
  ctx: SendContext,
  url: string,
  method: string,
  build: (auth: RequestAuthorization) => Promise<Response>,
): Promise<Response> {
  const attempt = async (auth: RequestAuthorization) => {
    try {
      const response = await build(auth);
      if (auth.stamp !== null) ctx.onAnswer(response);
      return response;
    } catch (error) {
      const aborted = (error as { name?: unknown } | null)?.name === 'AbortError';
      if (auth.stamp !== null && !aborted) ctx.onNoAnswer();
      throw error;
    }
  };
  /** `attempt`, and once more with a fresh proof when the server asks for its nonce. */
  const withNonce = async (auth: RequestAuthorization) => {
    const response = await attempt(auth);
    if (auth.headers.DPoP === undefined || !(await ctx.asksForNonce(url, response))) return response;
    discardBody(response);
    const retried = await attempt(await ctx.credentialsNow(url, method));
    // Only to keep the nonce it may carry: one nonce retry per attempt.
    if (retried.status === 401 || retried.status === 400) await ctx.asksForNonce(url, retried);
    return retried;
  };
  const first = await ctx.authorize(url, method);
  const response = await withNonce(first);
  if (response.status !== 401 || first.stamp === null) return response;
  if (!(await ctx.recover(first.stamp))) return response;
  discardBody(response);
  return withNonce(await ctx.credentialsNow(url, method));
}

/**
 * `fetch(input, init)` through {@link sendWithRetry}: `input` is a path under
 * `resolve`'s base, an absolute URL or a `Request`; requests to the API get the
 * credentials, others go out untouched. The body must be replayable (a string,
 * `Blob`, `FormData`, `URLSearchParams` or buffer, not a stream) for the retry.
 */
export function fetchWithCredentials(
  ctx: SendContext,
  fetchImpl: FetchLike,
  resolve: (path: string) => string,
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const request = typeof Request === 'function' && input instanceof Request ? input : null;
  const url = request !== null ? request.url : resolve(input instanceof URL ? input.href : (input as string));
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  return sendWithRetry(ctx, url, method, (auth) => {
    if (auth.stamp === null) return fetchImpl(request?.clone() ?? url, init);
    const headers = new Headers(init?.headers ?? request?.headers);
    for (const [name, value] of Object.entries(auth.headers)) headers.set(name, value);
    const next: RequestInit = { ...init, headers };
    if (auth.credentials !== undefined) next.credentials = auth.credentials;
    return fetchImpl(request?.clone() ?? url, next);
  });
}
