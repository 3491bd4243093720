// Enough of axios to test attachAxios without depending on axios.
import type { AxiosRequestConfigLike, FetchLike } from '../../src/index.js';

export interface Config extends AxiosRequestConfigLike {
  headers?: Record<string, string>;
}
type Rejected = (error: unknown) => unknown;

/**
 * Enough of axios to run interceptors as it does: request interceptors on a
 * copy of the config (custom fields kept, as mergeConfig keeps them), then the
 * adapter, rejecting non-2xx with { config, response }, then response interceptors.
 */
export function fakeAxios(fetchImpl: FetchLike, baseURL: string) {
  const requestInterceptors: Array<((c: Config) => Config | Promise<Config>) | null> = [];
  const responseInterceptors: Array<Rejected | null> = [];
  const instance = {
    interceptors: {
      request: {
        use: (fn: (c: Config) => Config | Promise<Config>) => requestInterceptors.push(fn) - 1,
        eject: (id: number) => void (requestInterceptors[id] = null),
      },
      response: {
        use: (_ok: null, fn: Rejected) => responseInterceptors.push(fn) - 1,
        eject: (id: number) => void (responseInterceptors[id] = null),
      },
    },
    async request(config: Config): Promise<unknown> {
      let current: Config = { ...config, headers: { ...config.headers } };
      for (const fn of requestInterceptors) if (fn) current = await fn(current);
      const sent = current;
      let result: Promise<unknown> = (async () => {
        const url = `${(sent.baseURL ?? '').replace(/\/$/, '')}${sent.url ?? ''}`;
        const response = await fetchImpl(url, { method: sent.method ?? 'GET', headers: sent.headers ?? {} });
        if (response.status >= 400) {
          // As axios: the error's response has the status, the headers and the body parsed.
          const data: unknown = await response.json().catch(() => undefined);
          const answer = { status: response.status, headers: response.headers, data };
          throw Object.assign(new Error('Request failed'), { config: sent, response: answer });
        }
        return { status: response.status, data: await response.json() };
      })();
      for (const fn of responseInterceptors) if (fn) result = result.catch(fn);
      return result;
    },
    get: (url: string) => instance.request({ url, method: 'get', baseURL }),
    post: (url: string) => instance.request({ url, method: 'post', baseURL }),
  };
  return instance;
}
