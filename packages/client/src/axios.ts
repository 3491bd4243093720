import type { AuthClient } from './auth-client.js';
import { resolveUrl } from './http.js';

/** The part of an axios request config the interceptors read and write. */
export interface AxiosRequestConfigLike {
  url?: string | undefined;
  baseURL?: string | undefined;
  method?: string | undefined;
  headers?: unknown;
  withCredentials?: boolean | undefined;
}

/** The part of an axios instance (`axios` or `axios.create()`) {@link attachAxios} uses. */
export interface AxiosInstanceLike<C extends AxiosRequestConfigLike> {
  interceptors: {
    request: { use(onFulfilled: (config: C) => C | Promise<C>): number; eject(id: number): void };
    response: {
      use(onFulfilled: null, onRejected: (error: unknown) => unknown): number;
      eject(id: number): void;
    };
  };
  request(config: C): Promise<unknown>;
}

/** What the interceptors remember on a config: the credentials it was sent with, and whether it is the retry. */
interface Marks {
  __tesseraStamp?: string;
  __tesseraRetried?: boolean;
  /** Sent once more with the DPoP nonce the server asked for. */
  __tesseraNonceRetried?: boolean;
}

/**
 * Installs request and response interceptors on an axios instance, without
 * axios being a dependency: requests to the API get the credentials (after a
 * refresh if the token is due), and a 401 is retried once after the
 * client's single-flight refresh. Returns a function that removes them.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * const api = axios.create({ baseURL: 'https://api.example.com' });
 * const detach = attachAxios(auth, api);
 * const { data } = await api.get('/api/profile/');
 * ```
 */
export function attachAxios<C extends AxiosRequestConfigLike>(
  auth: AuthClient,
  instance: AxiosInstanceLike<C>,
): () => void {
  const urlOf = (config: C) =>
    config.baseURL !== undefined ? resolveUrl(config.baseURL, config.url ?? '') : (config.url ?? '');
  const requestId = instance.interceptors.request.use(async (config) => {
    const url = urlOf(config);
    const authorization = await auth.authorize(url, config.method ?? 'GET');
    const marks = config as C & Marks;
    if (authorization.stamp === null) return config;
    // A retry whose credentials have no proof (the token is no longer bound) must not resend the spent one.
    if (marks.__tesseraStamp !== undefined && authorization.headers.DPoP === undefined) {
      removeHeader(config, 'DPoP');
    }
    setHeaders(config, authorization.headers);
    if (authorization.credentials === 'include') config.withCredentials = true;
    marks.__tesseraStamp = authorization.stamp;
    return config;
  });

  const responseId = instance.interceptors.response.use(null, async (error: unknown) => {
    const { config, response } = (error ?? {}) as { config?: C & Marks; response?: AxiosResponseLike };
    const stamp = config?.__tesseraStamp;
    if (response?.status !== 401 || config === undefined || stamp === undefined || config.__tesseraRetried) {
      throw error;
    }
    // A DPoP-bound token's proof without the server's current nonce: again at once, with a fresh proof.
    if (!config.__tesseraNonceRetried && isNonceChallenge(response)) {
      config.__tesseraNonceRetried = true;
      if (auth.acceptDpopNonce(urlOf(config), headerOf(response.headers, 'dpop-nonce')))
        return instance.request(config);
    }
    if (!(await auth.handleUnauthorized(stamp))) throw error;
    config.__tesseraRetried = true;
    return instance.request(config);
  });

  return () => {
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}

/** The part of an axios error's response the interceptor reads. */
interface AxiosResponseLike {
  status?: number;
  headers?: unknown;
  data?: unknown;
}

/** Whether a 401 is the server asking for its DPoP nonce (RFC 9449 §9: `use_dpop_nonce`). */
function isNonceChallenge(response: AxiosResponseLike): boolean {
  const data = response.data as { code?: unknown; error?: unknown } | null | undefined;
  return (
    typeof data === 'object' && data !== null && (data.code === 'use_dpop_nonce' || data.error === 'use_dpop_nonce')
  );
}

/** A response header from axios 1's `AxiosHeaders` (with `get`) or a plain object with lower-case names. */
function headerOf(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const target = headers as { get?: (name: string) => unknown } & Record<string, unknown>;
  const value = typeof target.get === 'function' ? target.get(name) : target[name];
  return typeof value === 'string' ? value : undefined;
}

/** Sets headers on axios 1's `AxiosHeaders` (with `set`) or a plain object (axios 0.x). */
function setHeaders(config: AxiosRequestConfigLike, headers: Record<string, string>): void {
  const target = (config.headers ??= {}) as { set?: (name: string, value: string) => unknown } & Record<
    string,
    unknown
  >;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof target.set === 'function') target.set(name, value);
    else target[name] = value;
  }
}

/** Removes a header set by {@link setHeaders}, from `AxiosHeaders` (with `delete`) or a plain object. */
function removeHeader(config: AxiosRequestConfigLike, name: string): void {
  const target = config.headers as ({ delete?: (name: string) => unknown } & Record<string, unknown>) | undefined;
  if (target === undefined || target === null) return;
  if (typeof target.delete === 'function') target.delete(name);
  else delete target[name];
}
