import { AuthClientError } from './errors.js';
import { discardBody } from './http.js';
import type { DpopKey, DpopKeyStore } from './dpop-key.js';
import { createDpopProof, randomJti } from './dpop-proof.js';

/** What {@link createDpopRequests} needs from the client. */
export interface DpopRequestsOptions {
  store: DpopKeyStore;
  /** The clock for `iat`, in ms: the client's, corrected for the server's when it knows it. */
  now: () => number;
  /** A unique id, for `jti` where the runtime has no `crypto.getRandomValues`. */
  randomId: () => string;
}

/** Which key a request uses: a login makes one if the device has none; a refresh only uses the one there is. */
export type DpopKeyUse = 'create' | 'existing';

/** DPoP for the client's token requests. */
export interface DpopRequests {
  /**
   * Sends a request through `send` with a `DPoP` proof among the headers it
   * is given (none when `use` is `existing` and the device has no key). When
   * the server answers `use_dpop_nonce`, sends it once more with that nonce.
   * Every `DPoP-Nonce` the server sends is kept for the next proof.
   *
   * @throws {AuthClientError} `dpop_key_unavailable` when the key store fails.
   */
  send(
    method: string,
    url: string,
    use: DpopKeyUse,
    send: (headers: Record<string, string>) => Promise<Response>,
    options?: { accessToken?: string },
  ): Promise<Response>;
  /**
   * The `DPoP` header for a request to `url` that carries the bound access
   * token `accessToken` (RFC 9449 §7.1: with `ath`, and the origin's latest
   * nonce); none when the device has no key.
   *
   * @throws {AuthClientError} `dpop_key_unavailable` when the key store fails.
   */
  proofFor(method: string, url: string, accessToken: string): Promise<Record<string, string>>;
  /**
   * Keeps the `DPoP-Nonce` of an answer from `url`'s origin, and says whether
   * the answer is a request for it (`use_dpop_nonce`): then the request goes
   * once more, with a fresh proof.
   */
  observe(url: string, response: Response): Promise<boolean>;
  /** Keeps `nonce` (a `DPoP-Nonce` an interceptor read) for `url`'s origin; false when there is none. */
  rememberNonce(url: string, nonce: string | null | undefined): boolean;
  /** Deletes the device's key (at logout) and forgets the nonces. Never throws. */
  forget(): Promise<void>;
}

/**
 * DPoP proofs on the client's token requests.
 *
 * @example
 * ```ts
 * const dpop = createDpopRequests({ store: createIndexedDbKeyStore(), now: Date.now, randomId });
 * const response = await dpop.send('POST', url, 'create', (headers) => postJson(fetch, url, body, { headers }));
 * ```
 */
export function createDpopRequests(options: DpopRequestsOptions): DpopRequests {
  const { store } = options;
  /** Each origin's latest nonce; per client (tab), and a stale one costs only the one retry. */
  const nonces = new Map<string, string>();

  async function keyFor(use: DpopKeyUse): Promise<DpopKey | null> {
    try {
      return use === 'create' ? await store.loadOrCreate() : await store.load();
    } catch (error) {
      throw new AuthClientError('dpop_key_unavailable', 'The device key for DPoP could not be read or made.', {
        cause: error,
      });
    }
  }

  function rememberNonce(url: string, nonce: string | null | undefined): boolean {
    if (typeof nonce !== 'string' || nonce === '') return false;
    nonces.set(originOf(url), nonce);
    return true;
  }

  function keepNonce(url: string, response: Response): void {
    rememberNonce(url, response.headers.get('dpop-nonce'));
  }

  function proof(key: DpopKey, method: string, url: string, accessToken: string | undefined): Promise<string> {
    const nonce = nonces.get(originOf(url));
    const jti = randomJti(options.randomId);
    return createDpopProof(key, { method, url, nowMs: options.now(), jti, nonce, accessToken });
  }

  return {
    async send(method, url, use, send, { accessToken } = {}) {
      const key = await keyFor(use);
      if (key === null) return send({});
      const attempt = async () => send({ DPoP: await proof(key, method, url, accessToken) });
      const used = nonces.get(originOf(url));
      const response = await attempt();
      keepNonce(url, response);
      if (nonces.get(originOf(url)) === used || !(await asksForNonce(response))) return response;
      discardBody(response);
      const retried = await attempt();
      keepNonce(url, retried);
      return retried;
    },
    async proofFor(method, url, accessToken) {
      const key = await keyFor('existing');
      return key === null ? {} : { DPoP: await proof(key, method, url, accessToken) };
    },
    rememberNonce,
    async observe(url, response) {
      keepNonce(url, response);
      return asksForNonce(response);
    },
    async forget() {
      nonces.clear();
      try {
        await store.remove();
      } catch {
        // The session is over either way; a key left behind is bound to nothing the server still honours.
      }
    },
  };
}

/** The origin of an absolute URL: nonces are the server's, and one client may speak to more than one. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** Whether `response` is the server's request for a proof with its nonce (RFC 9449 §8: 400, or 401 at a resource). */
async function asksForNonce(response: Response): Promise<boolean> {
  if (response.status !== 400 && response.status !== 401) return false;
  try {
    const body = (await response.clone().json()) as { code?: unknown; error?: unknown } | null;
    return body?.code === 'use_dpop_nonce' || body?.error === 'use_dpop_nonce';
  } catch {
    return false;
  }
}
