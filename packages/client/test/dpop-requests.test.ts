import { describe, expect, it } from 'vitest';
import { createDpopRequests } from '../src/dpop-requests.js';
import {
  createAuthClient,
  dpopKeyFromCryptoKeyPair,
  generateDpopKeyPair,
  type DpopKey,
  type DpopKeyStore,
} from '../src/index.js';

const URL_ = 'https://auth.example.com/api/token/refresh/';

/** A key store in memory, counting what is asked of it. */
function memoryKeyStore(): DpopKeyStore & { key: DpopKey | null; created: number } {
  const store = {
    key: null as DpopKey | null,
    created: 0,
    load: () => Promise.resolve(store.key),
    async loadOrCreate() {
      if (store.key === null) {
        store.created += 1;
        store.key = await dpopKeyFromCryptoKeyPair(await generateDpopKeyPair());
      }
      return store.key;
    },
    remove() {
      store.key = null;
      return Promise.resolve();
    },
  };
  return store;
}

const answer = (status: number, body: unknown, nonce?: string) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...(nonce === undefined ? {} : { 'dpop-nonce': nonce }) },
  });
const USE_NONCE = { detail: 'Authorization server requires nonce in DPoP proof.', code: 'use_dpop_nonce' };

/** The `nonce` claim of a proof, or undefined. */
const nonceOf = (proof: string | undefined) =>
  (JSON.parse(Buffer.from(proof!.split('.')[1]!, 'base64url').toString()) as { nonce?: string }).nonce;

describe('createDpopRequests', () => {
  const setup = (answers: Response[]) => {
    const store = memoryKeyStore();
    const dpop = createDpopRequests({ store, now: () => Date.UTC(2026, 11, 6), randomId: () => 'id' });
    const sent: Array<string | undefined> = [];
    const send = (headers: Record<string, string>) => {
      sent.push(headers.DPoP);
      return Promise.resolve(answers.shift()!);
    };
    return { store, dpop, sent, send };
  };

  it('retries once with the nonce the server asks for, and keeps it for the next request', async () => {
    const { dpop, sent, send } = setup([answer(401, USE_NONCE, 'n1'), answer(200, {}, 'n2'), answer(200, {})]);
    expect((await dpop.send('POST', URL_, 'create', send)).status).toBe(200);
    expect((await dpop.send('POST', URL_, 'existing', send)).status).toBe(200);
    expect(sent.map(nonceOf)).toEqual([undefined, 'n1', 'n2']);
  });

  it('retries only once: a second use_dpop_nonce is the answer', async () => {
    const { dpop, sent, send } = setup([answer(401, USE_NONCE, 'n1'), answer(401, USE_NONCE, 'n2')]);
    const response = await dpop.send('POST', URL_, 'create', send);
    expect([response.status, await response.json()]).toEqual([401, USE_NONCE]);
    expect(sent.map(nonceOf)).toEqual([undefined, 'n1']);
  });

  it('does not retry with the nonce it just used, nor on another 401', async () => {
    const first = setup([answer(200, {}, 'n1'), answer(401, USE_NONCE, 'n1')]);
    await first.dpop.send('POST', URL_, 'create', first.send);
    expect((await first.dpop.send('POST', URL_, 'existing', first.send)).status).toBe(401);
    expect(first.sent.map(nonceOf)).toEqual([undefined, 'n1']);
    const other = setup([answer(401, { detail: 'x', code: 'invalid_dpop_proof' }, 'n1')]);
    expect((await other.dpop.send('POST', URL_, 'create', other.send)).status).toBe(401);
    expect(other.sent).toHaveLength(1);
  });

  it('makes a key only when asked to: a refresh without one goes without a proof', async () => {
    const { dpop, store, sent, send } = setup([answer(200, {}), answer(200, {}), answer(200, {})]);
    await dpop.send('POST', URL_, 'existing', send);
    expect([sent, store.created]).toEqual([[undefined], 0]);
    await dpop.send('POST', URL_, 'create', send);
    await dpop.send('POST', URL_, 'create', send);
    expect(store.created).toBe(1);
    await dpop.forget();
    expect(store.key).toBeNull();
  });
});

describe('proofs for a bound access token', () => {
  const claimsOf = (proof: string | undefined) =>
    JSON.parse(Buffer.from(proof!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  const make = async () => {
    const store = memoryKeyStore();
    await store.loadOrCreate();
    return createDpopRequests({ store, now: () => Date.UTC(2026, 11, 6), randomId: () => 'id' });
  };

  it("carries the request's htm and htu (no query), ath, and the nonce of the URL's origin", async () => {
    const dpop = await make();
    expect(await dpop.observe(URL_, answer(401, USE_NONCE, 'n-auth'))).toBe(true);
    expect(dpop.rememberNonce('https://other.example/x', 'n-other')).toBe(true);
    const { DPoP: proof } = await dpop.proofFor('get', 'https://auth.example.com/api/profile/?a=1#f', 'token');
    expect(claimsOf(proof)).toEqual({
      jti: expect.any(String) as unknown,
      htm: 'GET',
      htu: 'https://auth.example.com/api/profile/',
      iat: Date.UTC(2026, 11, 6) / 1000,
      nonce: 'n-auth',
      // SHA-256 of "token", base64url.
      ath: 'PEaenWxYddN6Q_NT1PiOYfz4EsZu7jRXRlpAsNpBU-A',
    });
    expect(claimsOf((await dpop.proofFor('GET', 'https://other.example/y', 'token')).DPoP).nonce).toBe('n-other');
  });

  it('observe: true only for use_dpop_nonce; keeps any nonce; an empty one is none', async () => {
    const dpop = await make();
    expect(await dpop.observe(URL_, answer(200, {}, 'n1'))).toBe(false);
    expect(await dpop.observe(URL_, answer(401, { detail: 'x', code: 'invalid_dpop_proof' }))).toBe(false);
    expect(dpop.rememberNonce(URL_, '')).toBe(false);
    expect(claimsOf((await dpop.proofFor('GET', URL_, 't')).DPoP).nonce).toBe('n1');
  });

  it('without a key on the device: no proof; after forget, no nonce', async () => {
    const dpop = await make();
    dpop.rememberNonce(URL_, 'n1');
    await dpop.forget();
    expect(await dpop.proofFor('GET', URL_, 't')).toEqual({});
  });
});

describe('the dpop option', () => {
  it.each([
    [{}, 'dpop must be true, false or a DpopKeyStore with load().'],
    [{ load() {}, loadOrCreate() {} }, 'dpop must be true, false or a DpopKeyStore with remove().'],
  ])('refuses %j with a TypeError', (dpop, message) => {
    expect(() => createAuthClient({ baseUrl: 'https://x', dpop: dpop as DpopKeyStore })).toThrow(
      new TypeError(message),
    );
  });

  it('true, where there is no IndexedDB (Node), is a TypeError that says what to pass', () => {
    expect(() => createAuthClient({ baseUrl: 'https://x', dpop: true })).toThrow(
      new TypeError('DPoP with dpop: true needs IndexedDB, which this runtime lacks: pass a DpopKeyStore.'),
    );
  });
});
