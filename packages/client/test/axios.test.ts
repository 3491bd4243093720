import { afterEach, describe, expect, it } from 'vitest';
import { attachAxios, type AuthClient } from '../src/index.js';
import { fakeAxios } from './support/fake-axios.js';
import { BASE } from './support/fake-server.js';
import { setup, type Setup } from './support/setup.js';

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
