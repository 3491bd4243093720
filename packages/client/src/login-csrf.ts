import { paths } from '@tessera/protocol';
import { readJson } from './errors.js';
import { discardBody, sendOrNetworkError, type FetchLike } from './http.js';
import type { Credentials, Transport } from './transport.js';

/** What {@link loginCredentials} needs from the client. */
export interface LoginCsrfContext {
  transport: Transport;
  fetch: FetchLike;
  /** `path` under the client's `baseUrl`. */
  apiUrl: (path: string) => string;
  csrfHeaderName: string;
}

/**
 * The credentials of a login. In cookie transport a login must carry
 * `X-CSRFToken` once the browser holds any tessera cookie, and a first login
 * has no `csrftoken` cookie to echo: then `GET /api/csrf/` (with
 * `credentials: 'include'`) sets one first. Where the page cannot read the
 * cookie (another origin, React Native), the token in that answer's body is
 * sent instead. A failed answer is not an error here: the login goes without
 * the header, and the server decides.
 *
 * @example
 * ```ts
 * const auth = await loginCredentials({ transport, fetch, apiUrl, csrfHeaderName: 'X-CSRFToken' });
 * await postJson(fetch, apiUrl(paths.tokenObtain), { username, password }, auth);
 * ```
 * @throws {AuthClientError} `network_error` when `/api/csrf/` cannot be reached.
 */
export async function loginCredentials(context: LoginCsrfContext): Promise<Credentials> {
  const { transport, csrfHeaderName } = context;
  const credentials = transport.credentialsFor('POST', null);
  if (transport.kind !== 'cookie' || credentials.headers[csrfHeaderName] !== undefined) return credentials;
  const response = await sendOrNetworkError(() =>
    context.fetch(context.apiUrl(paths.csrf), {
      method: 'GET',
      headers: { Accept: 'application/json' },
      credentials: 'include',
    }),
  );
  if (!response.ok) {
    discardBody(response);
    return credentials;
  }
  const body = (await readJson(response)) as { csrfToken?: unknown } | undefined;
  const fresh = transport.credentialsFor('POST', null);
  if (fresh.headers[csrfHeaderName] === undefined && typeof body?.csrfToken === 'string' && body.csrfToken !== '') {
    fresh.headers[csrfHeaderName] = body.csrfToken;
  }
  return fresh;
}
