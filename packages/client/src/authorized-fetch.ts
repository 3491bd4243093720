import type { FetchLike } from './http.js';
import { discardBody } from './http.js';
import type { RequestAuthorization } from './auth-client.js';

/** What sending with credentials needs from the client. */
export interface SendContext {
  /** Credentials for a request, after any refresh that is due. */
  authorize(url: string, method: string): Promise<RequestAuthorization>;
  /** Credentials as they are now, for the retry. */
  credentialsNow(method: string): RequestAuthorization;
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
 * 401 after the retry is the caller's.
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
  const first = await ctx.authorize(url, method);
  const response = await attempt(first);
  if (response.status !== 401 || first.stamp === null) return response;
  if (!(await ctx.recover(first.stamp))) return response;
  discardBody(response);
  return attempt(ctx.credentialsNow(method));
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
