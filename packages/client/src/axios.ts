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
  const requestId = instance.interceptors.request.use(async (config) => {
    const url = config.baseURL !== undefined ? resolveUrl(config.baseURL, config.url ?? '') : (config.url ?? '');
    const authorization = await auth.authorize(url, config.method ?? 'GET');
    const marks = config as C & Marks;
    if (authorization.stamp === null) return config;
    setHeaders(config, authorization.headers);
    if (authorization.credentials === 'include') config.withCredentials = true;
    marks.__tesseraStamp = authorization.stamp;
    return config;
  });

  const responseId = instance.interceptors.response.use(null, async (error: unknown) => {
    const { config, response } = (error ?? {}) as { config?: C & Marks; response?: { status?: number } };
    const stamp = config?.__tesseraStamp;
    if (response?.status !== 401 || config === undefined || stamp === undefined || config.__tesseraRetried) {
      throw error;
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
