import { AuthClientError } from './errors.js';

/** A `fetch` function: the global one, or one passed in (tests, React Native polyfills). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * `path` under `baseUrl`. An absolute URL is returned as is; anything else is
 * appended to the base, so a base with a path prefix (`https://x/auth`) keeps it.
 */
export function resolveUrl(baseUrl: string, path: string): string {
  if (/^[a-z][a-z\d+.-]*:/i.test(path)) return path;
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/${path.replace(/^\/+/, '')}`;
}

/** Whether `url` is on the API at `baseUrl`, the only place credentials are sent. */
export function isApiUrl(baseUrl: string, url: string): boolean {
  const base = baseUrl.replace(/\/+$/, '');
  return url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}?`);
}

/**
 * How far the server's clock is ahead of this device's, from a response's
 * `Date` header (whole seconds, so the middle of that second is taken); null
 * when the header is missing or unreadable (cross-origin responses hide it
 * unless the server lists it in `Access-Control-Expose-Headers`).
 */
export function skewFromDateHeader(response: Response, localNowMs: number): number | null {
  const header = response.headers.get('date');
  if (header === null) return null;
  const serverMs = Date.parse(header);
  return Number.isNaN(serverMs) ? null : serverMs + 500 - localNowMs;
}

/** POSTs JSON; a failure to get any HTTP answer becomes `network_error`. */
export async function postJson(
  fetchImpl: FetchLike,
  url: string,
  body: unknown,
  extra: { headers?: Record<string, string>; credentials?: RequestInit['credentials'] | undefined } = {},
): Promise<Response> {
  const init: RequestInit = {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...extra.headers },
    body: JSON.stringify(body),
  };
  if (extra.credentials !== undefined) init.credentials = extra.credentials;
  return sendOrNetworkError(() => fetchImpl(url, init));
}

/** Runs a fetch; a rejection (no HTTP answer) becomes an {@link AuthClientError} `network_error`. */
export async function sendOrNetworkError(send: () => Promise<Response>): Promise<Response> {
  try {
    return await send();
  } catch (error) {
    throw new AuthClientError('network_error', 'The server could not be reached.', { cause: error });
  }
}

/** Drops a response body nobody will read, so the connection is freed. */
export function discardBody(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}
