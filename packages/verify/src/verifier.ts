/**
 * `createVerifier`: tessera's access tokens verified in another service,
 * with the checks and answers of tessera's own protected endpoints.
 *
 * Per call, in tessera's order: size, shape and header; the key (by `kid`
 * from the JWKS, or the shared secret) and its algorithm; the signature;
 * `iat`/`nbf`/`exp`, `iss`/`aud`; revocation (the feed); the feed's
 * freshness; then the claims and the `access` type.
 *
 * Tokens whose signature was good are remembered (a bounded map, oldest out
 * first, keyed by the signature; a hit must be the whole token and its key
 * still in the set), as tessera's codec does: a client sends the same token
 * for minutes. Time, revocation and freshness are checked on every call.
 */
import { createSecretKey } from 'node:crypto';
import { tokenMessages } from '@tessera/protocol';
import { checkTimeAndParty, requireAccessClaims, type AccessClaims } from './claims.js';
import { keysUnavailable, revocationsUnavailable, tokenNotValid } from './errors.js';
import { startFeed, type Feed } from './feed.js';
import { createKeySet, KeysUnavailableError, type KeySet } from './jwks.js';
import { resolveOptions, type VerifierOptions } from './options.js';
import { createRevocationList, type RevocationList } from './revocation-list.js';
import { decodeClaims, parseToken, requireSignature, type VerificationKey } from './token.js';
import { createBindingCheck, needsBindingCheck, type PresentedRequest } from './dpop.js';
import { createMemoryReplayCache } from './dpop-replay.js';

export interface Verifier {
  /**
   * The claims of a valid, unrevoked access token. A token bound to a key
   * (`cnf.jkt`) also needs `request`: sent as `Authorization: DPoP`, with a
   * good `DPoP` proof for it (see dpop.ts); without `request` it is refused.
   * @throws {VerifyError} the contract's 401 (`token_not_valid`, `invalid_dpop_proof`), or 503
   * (`revocations_unavailable`, `service_unavailable`) when validity cannot be confirmed.
   */
  verify(token: string, request?: PresentedRequest): Promise<AccessClaims>;
  /** Resolves once the keys are in hand and the feed is live; rejects with a 503 {@link VerifyError} if the JWKS cannot be fetched. */
  ready(): Promise<void>;
  /** Stops following the feed. Further calls to `verify` fail. */
  close(): Promise<void>;
}

/** For tests and metrics: what a verifier holds. */
export interface VerifierInternals {
  readonly keySet: KeySet | undefined;
  readonly feed: Feed;
  readonly revocations: RevocationList;
}

const VERIFIED_CACHE_SIZE = 4096;

interface Remembered {
  readonly token: string;
  readonly key: VerificationKey;
  readonly kid: string | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   url: 'https://auth.example.com/',
 *   service: { name: 'notes', secret: process.env.TESSERA_SERVICE_SECRET! },
 * });
 * const claims = await verifier.verify(token); // { user_id, username, sid, permissions, … }
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier & { readonly internals: VerifierInternals } {
  const settings = resolveOptions(options);
  const { clock } = settings;
  const secretKey: VerificationKey | undefined =
    settings.secret === undefined
      ? undefined
      : { kid: '', alg: 'HS256', key: createSecretKey(Buffer.from(settings.secret, 'utf8')), signatureBytes: 32 };
  const keySet =
    secretKey === undefined
      ? createKeySet({
          jwksUrl: settings.jwksUrl,
          clock,
          unknownKidCooldownMs: settings.unknownKidCooldownMs,
          fetchTimeoutMs: settings.fetchTimeoutMs,
          onError: settings.onError,
        })
      : undefined;
  const revocations = createRevocationList(() => clock.now(), settings.clockToleranceSeconds);
  const feed = startFeed({
    url: settings.feedUrl,
    service: settings.service,
    clock,
    onError: settings.onError,
    onReset: (resetAt) => revocations.reset(resetAt),
    onEvent: (event) => {
      revocations.apply(event);
      if (event.kind === 'keys' || event.kind === 'key') void keySet?.refresh();
    },
  });
  const verified = new Map<string, Remembered>();
  const checkBinding = createBindingCheck(clock, settings.dpopReplayCache ?? createMemoryReplayCache(clock));
  let closed = false;

  /** The key the token names: the JWKS's by `kid` (fetched when unknown, under the cooldown), or the secret. */
  const keyFor = async (kid: string | undefined): Promise<VerificationKey> => {
    if (secretKey !== undefined) return secretKey;
    if (kid === undefined) throw tokenNotValid();
    const set = keySet as KeySet;
    try {
      await set.ensureLoaded();
    } catch (error) {
      const retryMs = error instanceof KeysUnavailableError ? error.retryAfterMs : 1000;
      throw keysUnavailable(Math.max(1, Math.ceil(retryMs / 1000)), error);
    }
    const key = set.current(kid) ?? (await set.find(kid));
    if (key === undefined) throw tokenNotValid();
    return key;
  };

  /** The remembered verification of exactly this token, while its key is still in the set. */
  const rememberedFor = (token: string): Remembered | undefined => {
    const known = verified.get(signatureOf(token));
    if (
      known !== undefined &&
      known.token === token &&
      (secretKey !== undefined || keySet?.current(known.kid as string) === known.key)
    ) {
      return known;
    }
    return undefined;
  };

  const verifySignature = async (token: string): Promise<Remembered> => {
    const parsed = parseToken(token);
    const key = await keyFor(parsed.kid);
    requireSignature(parsed, key);
    const claims = Object.freeze(decodeClaims(parsed));
    const remembered = { token, key, kid: parsed.kid, claims };
    if (typeof claims.exp === 'number' && typeof claims.iat === 'number')
      revocations.observeLifetime(claims.exp - claims.iat);
    // A refresh token is refused below: remembering it would only evict access tokens.
    if (claims.token_type === 'access') {
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
      verified.set(signatureOf(token), remembered);
    }
    return remembered;
  };

  /** Everything checked on every call, remembered signature or not. */
  const admit = ({ claims, kid }: Remembered): AccessClaims => {
    checkTimeAndParty(claims, settings, clock.now());
    const refusal = revocations.refusal(claims, kid);
    if (refusal === 'key') throw tokenNotValid();
    if (refusal === 'revoked') throw tokenNotValid(tokenMessages.blacklisted);
    if (settings.onStale === 'refuse' && feed.silentForMs() > settings.staleAfterMs) {
      throw revocationsUnavailable(Math.max(1, Math.ceil(feed.retryInMs() / 1000)));
    }
    return requireAccessClaims(claims);
  };

  /** The claims, once a bound token's request proved its key; an unbound Bearer token's at once. */
  const bound = (claims: AccessClaims, token: string, request: PresentedRequest | undefined) =>
    needsBindingCheck(claims, request)
      ? checkBinding(claims, token, request).then(() => claims)
      : Promise.resolve(claims);

  return {
    verify(token, request) {
      // A remembered token (what a client sends for minutes) is answered with no await in between.
      try {
        if (closed) throw new Error('@tessera/verify: verify() after close()');
        if (typeof token !== 'string') throw tokenNotValid();
        const known = rememberedFor(token);
        if (known !== undefined) return bound(admit(known), token, request);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return verifySignature(token).then((remembered) => bound(admit(remembered), token, request));
    },
    async ready() {
      if (keySet !== undefined) {
        try {
          await keySet.ensureLoaded();
        } catch (error) {
          throw keysUnavailable(1, error);
        }
      }
      await feed.firstReady;
    },
    close() {
      closed = true;
      feed.close();
      return Promise.resolve();
    },
    internals: { keySet, feed, revocations },
  };
}

/** The cache's key: the token's signature segment. */
const signatureOf = (token: string): string => token.slice(token.lastIndexOf('.') + 1);
