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
  /** Deletes the device's key (at logout) and forgets the nonce. Never throws. */
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
  /** The server's latest nonce; per client (tab), and a stale one costs only the one retry. */
  let nonce: string | undefined;

  async function keyFor(use: DpopKeyUse): Promise<DpopKey | null> {
    try {
      return use === 'create' ? await store.loadOrCreate() : await store.load();
    } catch (error) {
      throw new AuthClientError('dpop_key_unavailable', 'The device key for DPoP could not be read or made.', {
        cause: error,
      });
    }
  }

  function keepNonce(response: Response): void {
    const sent = response.headers.get('dpop-nonce');
    if (sent !== null && sent !== '') nonce = sent;
  }

  return {
    async send(method, url, use, send, { accessToken } = {}) {
      const key = await keyFor(use);
      if (key === null) return send({});
      const attempt = async () => {
        const proof = await createDpopProof(key, {
          method,
          url,
          nowMs: options.now(),
          jti: randomJti(options.randomId),
          nonce,
          accessToken,
        });
        return send({ DPoP: proof });
      };
      const used = nonce;
      const response = await attempt();
      keepNonce(response);
      if (nonce === used || !(await asksForNonce(response))) return response;
      discardBody(response);
      const retried = await attempt();
      keepNonce(retried);
      return retried;
    },
    async forget() {
      nonce = undefined;
      try {
        await store.remove();
      } catch {
        // The session is over either way; a key left behind is bound to nothing the server still honours.
      }
    },
  };
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
