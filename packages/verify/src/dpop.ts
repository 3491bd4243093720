/**
 * DPoP-bound access tokens in a team's API (RFC 9449 §7.1): a token whose
 * claims name a key (`cnf.jkt`, tessera's `TESSERA_DPOP_ACCESS=on`) is
 * accepted only as `Authorization: DPoP <token>` with a `DPoP` proof for
 * this request (method and URL), signed by that key, whose `ath` is the
 * token's hash, used once. The checks are `./dpop-proof.ts`'s, the very
 * ones tessera's own protected routes run.
 *
 * A verifier issues no nonces (RFC 9449 §9 leaves them to the resource
 * server): a proof is bounded by its `iat` window and the replay cache.
 */
import { DpopProofError, boundKeyOf, normalizeHtu, replayEntryOf, verifyBoundProof } from './dpop-proof.js';
import type { DpopReplayCache } from './dpop-replay.js';
import { dpopRefused, replayCacheUnavailable } from './errors.js';
import type { Clock } from './options.js';

/** The request an access token came with, as the adapters read it. */
export interface PresentedRequest {
  /** The `Authorization` scheme the token came with. */
  scheme: 'bearer' | 'dpop';
  /** The request's method, e.g. `GET`. */
  method: string;
  /** The absolute URL the client addressed (`https://api.example.com/notes?page=2`); the query is not compared. */
  url: string;
  /** The `DPoP` header: a proof, or undefined. Repeated headers are refused. */
  proof: string | readonly string[] | undefined;
}

/**
 * Checks a verified token's binding against its request: resolves for an
 * unbound token sent as Bearer, and for a bound one with a good proof.
 * @throws {VerifyError} 401 `invalid_dpop_proof` with a `DPoP` challenge; 503 when the replay cache fails.
 */
export type BindingCheck = (
  claims: Readonly<Record<string, unknown>>,
  token: string,
  request: PresentedRequest | undefined,
) => Promise<void>;

/**
 * @example
 * ```ts
 * const checkBinding = createBindingCheck(clock, createMemoryReplayCache(clock));
 * await checkBinding(claims, token, { scheme: 'dpop', method: 'GET', url, proof: headers.dpop });
 * ```
 */
export function createBindingCheck(clock: Clock, replay: DpopReplayCache): BindingCheck {
  const check = async (
    claims: Readonly<Record<string, unknown>>,
    token: string,
    request: PresentedRequest | undefined,
  ): Promise<void> => {
    const jkt = boundKeyOf(claims);
    if (jkt === undefined) throw new DpopProofError('This access token is bound to no key: send it as Bearer.');
    if (request === undefined) {
      throw new DpopProofError('This access token is bound to a key: the request needs its DPoP proof.');
    }
    if (request.scheme !== 'dpop') {
      throw new DpopProofError('This access token is bound to a key: send it as Authorization: DPoP, with a proof.');
    }
    const proof = await verifyBoundProof(request.proof, {
      method: request.method,
      url: normalizeHtu(request.url) ?? 'invalid:',
      now: clock.now(),
      accessToken: token,
      jkt,
    });
    const { id, until } = replayEntryOf(proof);
    let first: boolean;
    try {
      first = await replay.remember(id, until);
    } catch (error) {
      throw replayCacheUnavailable(error);
    }
    if (!first) throw new DpopProofError('The DPoP proof has been used before.');
  };
  return (claims, token, request) =>
    check(claims, token, request).catch((error: unknown) => {
      throw error instanceof DpopProofError ? dpopRefused(error) : error;
    });
}

/** Whether a token and its request need {@link BindingCheck} at all: the hot path's one test. */
export function needsBindingCheck(
  claims: Readonly<Record<string, unknown>>,
  request: PresentedRequest | undefined,
): boolean {
  return claims.cnf !== undefined || request?.scheme === 'dpop';
}
