import { afterEach, describe, expect, it } from 'vitest';
import { attachAxios, type AuthClient, type AxiosRequestConfigLike, type FetchLike } from '../src/index.js';
import { BASE } from './support/fake-server.js';
import { setup, type Setup } from './support/setup.js';

interface Config extends AxiosRequestConfigLike {
  headers?: Record<string, string>;
}
type Rejected = (error: unknown) => unknown;

/**
 * Enough of axios to run interceptors as it does: request interceptors on a
 * copy of the config (custom fields kept, as mergeConfig keeps them), then the
 * adapter, rejecting non-2xx with { config, response }, then response interceptors.
 */
function fakeAxios(fetchImpl: FetchLike, baseURL: string) {
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
        if (response.status >= 400) throw Object.assign(new Error('Request failed'), { config: sent, response });
        return { status: response.status, data: await response.json() };
      })();
      for (const fn of responseInterceptors) if (fn) result = result.catch(fn);
      return result;
    },
    get: (url: string) => instance.request({ url, method: 'get', baseURL }),
  };
  return instance;
}

describe('attachAxios', () => {
  let t: Setup;
  let auth: AuthClient;
  afterEach(() => auth.dispose());

  it('adds the bearer token and turns 20 concurrent 401s into one refresh and 20 retries', async () => {
    t = setup({}, { sendDate: false });
    auth = t.auth;
    await auth.login('alice', 'pw');
    const api = fakeAxios(t.server.fetch, BASE);
    attachAxios(auth, api);
    t.serverAhead.ms = 301_000;
    const results = await Promise.all(Array.from({ length: 20 }, () => api.get('/api/profile/')));
    expect(results.map((r) => (r as { status: number }).status)).toEqual(Array(20).fill(200));
    expect(t.server.count('/api/token/refresh/')).toBe(1);
    expect(t.server.calls.at(-1)!.headers.get('authorization')).toBe(`Bearer ${auth.getAccessToken()}`);
  });

  it('rejects with the 401 after one retry, and leaves other hosts alone', async () => {
    t = setup();
    auth = t.auth;
    await auth.login('alice', 'pw');
    const api = fakeAxios(t.server.fetch, BASE);
    const detach = attachAxios(auth, api);
    await expect(api.get('/api/always-401/')).rejects.toMatchObject({ response: { status: 401 } });
    expect(t.server.count('/api/always-401/')).toBe(2);
    const other = fakeAxios(t.server.fetch, 'https://elsewhere.test');
    attachAxios(auth, other);
    await other.get('/api/x/').catch(() => undefined);
    expect(t.server.calls.at(-1)!.headers.get('authorization')).toBeNull();
    detach();
    await api.get('/api/profile/').catch(() => undefined);
    expect(t.server.calls.at(-1)!.headers.get('authorization')).toBeNull();
  });
});
