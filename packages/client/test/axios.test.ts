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

  it('a nonce retry sends a fresh proof; a retry without one drops the spent DPoP header', async () => {
    const USE_NONCE = { detail: 'x', code: 'use_dpop_nonce' };
    const answers = [
      new Response(JSON.stringify(USE_NONCE), { status: 401, headers: { 'dpop-nonce': 'n1' } }),
      new Response(JSON.stringify({ code: 'token_not_valid' }), { status: 401 }),
      new Response('{}', { status: 200 }),
    ];
    const sent: Array<string | null> = [];
    const fetchImpl = (_url: string | URL | Request, init?: RequestInit) => {
      sent.push(new Headers(init?.headers).get('dpop'));
      return Promise.resolve(answers.shift()!);
    };
    const proofs = ['proof-1', 'proof-2'];
    const nonces: Array<string | null | undefined> = [];
    // Only what the interceptors use: proofs for the first two sends, then a token no longer bound.
    const stub = {
      authorize: () => {
        const proof = proofs.shift();
        const headers: Record<string, string> = { Authorization: proof ? 'DPoP t' : 'Bearer t' };
        if (proof !== undefined) headers.DPoP = proof;
        return Promise.resolve({ headers, credentials: undefined, stamp: 's' });
      },
      acceptDpopNonce: (_url: string, nonce: string | null | undefined) => (nonces.push(nonce), true),
      handleUnauthorized: () => Promise.resolve(true),
    };
    auth = { ...stub, dispose: () => undefined } as unknown as AuthClient;
    const api = fakeAxios(fetchImpl, BASE);
    attachAxios(auth, api);
    expect(await api.get('/api/profile/')).toMatchObject({ status: 200 });
    expect([sent, nonces]).toEqual([['proof-1', 'proof-2', null], ['n1']]);
  });
});
