/**
 * DPoP proofs (RFC 9449 §4): a JWT the client signs with its own key for one
 * request, carrying that key's public half. This module runs every check of
 * §4.3 but the replay cache and the nonce (the caller's: tessera remembers
 * `jti`s in its store, a verifier in memory or its own cache), and for a
 * DPoP-bound access token §7.1's: `ath` and the key the token names in `cnf`.
 *
 * It is shared: tessera's token endpoints and protected routes import it from
 * `@tessera/verify/dpop`, and a team's API runs it through the verifier, so
 * the two cannot disagree on what a good proof is.
 *
 * jose does the JOSE work (embedded JWK import, signature, thumbprint); it is
 * loaded on the first proof, so a server whose clients never send one neither
 * loads it nor spends anything per request.
 */
import { createHash } from 'node:crypto';

/** The algorithms a proof may use: asymmetric only (§4.3 item 5), and what WebCrypto and node:crypto both make. */
export const DPOP_ALGORITHMS = ['ES256', 'EdDSA'] as const;
/** How old a proof may be: a client makes one per request, so this only covers transit and slow clocks. */
export const DPOP_PROOF_MAX_AGE_SECONDS = 60;
/** How far ahead of tessera's clock a client's may run. */
export const DPOP_PROOF_FUTURE_SKEW_SECONDS = 5;

/** Proofs longer than this are refused before parsing; an ES256 proof is about 600 characters. */
const MAX_PROOF_LENGTH = 4096;
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** JWK members that only a private (or symmetric) key has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** An RFC 7638 SHA-256 thumbprint, base64url. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;
/** Margin past a proof's last acceptable moment before its `jti` is forgotten. */
const REPLAY_MARGIN_MS = 1000;

/** A proof that fails a check; `message` says which, and is safe to send. */
export class DpopProofError extends Error {
  override name = 'DpopProofError';
}

/** What the request the proof came with must match. */
export interface ProofExpectation {
  /** The request's method, upper case. */
  method: string;
  /** The request's URL as {@link normalizeHtu} writes it. */
  url: string;
  /** Milliseconds since the epoch, from the injected clock. */
  now: number;
  /** The access token the proof comes with: its `ath` must be this token's hash (§4.3 item 12). */
  accessToken?: string;
}

/** A proof that passed every check. */
export interface VerifiedProof {
  /** The RFC 7638 SHA-256 thumbprint of the proof's key (`jkt`): what a session is bound to. */
  jkt: string;
  jti: string;
  /** Seconds since the epoch. */
  iat: number;
  nonce: string | undefined;
}

/**
 * Checks `proof` (a `DPoP` header's value) against the request.
 *
 * @example
 * ```ts
 * const { jkt } = await verifyDpopProof(request.headers.dpop, {
 *   method: 'POST',
 *   url: 'https://auth.example.com/api/token/',
 *   now: clock.now(),
 * });
 * ```
 * @throws {DpopProofError} naming the check that failed.
 */
export async function verifyDpopProof(proof: unknown, expected: ProofExpectation): Promise<VerifiedProof> {
  if (typeof proof !== 'string' || proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) {
    throw new DpopProofError('The DPoP proof is not a single compact JWS.');
  }
  const jose = await import('jose');
  const header = readHeader(proof, jose.decodeProtectedHeader);
  let payload: Readonly<Record<string, unknown>>;
  try {
    // EmbeddedJWK refuses a private key too; checked above already, for a clearer message.
    ({ payload } = await jose.jwtVerify(proof, jose.EmbeddedJWK, {
      algorithms: [...DPOP_ALGORITHMS],
      typ: 'dpop+jwt',
      currentDate: new Date(expected.now),
    }));
  } catch (error) {
    throw new DpopProofError(joseFailure(error), { cause: error });
  }
  const claims = checkClaims(payload, expected);
  if (expected.accessToken !== undefined && payload.ath !== accessTokenHash(expected.accessToken)) {
    throw new DpopProofError('The DPoP proof ath does not match the access token.');
  }
  const jkt = await jose.calculateJwkThumbprint(header.jwk, 'sha256');
  return { jkt, ...claims };
}

/** What a jose failure says about the proof, in words safe to send; by jose's stable error codes. */
function joseFailure(error: unknown): string {
  const { code, claim } = (error ?? {}) as { code?: unknown; claim?: unknown };
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'The DPoP proof signature does not verify with its jwk.';
  if ((code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' || code === 'ERR_JWT_EXPIRED') && typeof claim === 'string') {
    return `The DPoP proof ${claim} claim is not valid.`;
  }
  return 'The DPoP proof is malformed, or its jwk is not a key for its alg.';
}

interface ProofHeader {
  jwk: { kty: string } & Record<string, unknown>;
}

/** §4.3 items 4–7: `typ`, an allowed `alg`, and a public `jwk`, before any crypto. */
function readHeader(proof: string, decode: (token: string) => Record<string, unknown>): ProofHeader {
  let header: Record<string, unknown>;
  try {
    header = decode(proof);
  } catch {
    throw new DpopProofError('The DPoP proof header is not a JSON object.');
  }
  if (header.typ !== 'dpop+jwt') throw new DpopProofError('The DPoP proof typ must be dpop+jwt.');
  if (!(DPOP_ALGORITHMS as readonly unknown[]).includes(header.alg)) {
    throw new DpopProofError(`The DPoP proof alg must be one of ${DPOP_ALGORITHMS.join(', ')}.`);
  }
  const jwk = header.jwk;
  if (
    typeof jwk !== 'object' ||
    jwk === null ||
    Array.isArray(jwk) ||
    typeof (jwk as { kty?: unknown }).kty !== 'string'
  ) {
    throw new DpopProofError('The DPoP proof header must carry the public key as jwk.');
  }
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
    throw new DpopProofError('The DPoP proof jwk must be a public key, without private members.');
  }
  return { jwk: jwk as ProofHeader['jwk'] };
}

/** §4.3 items 8–11: `jti`, `htm`, `htu` and `iat`. `nonce` is the caller's to check. */
function checkClaims(
  payload: Readonly<Record<string, unknown>>,
  expected: ProofExpectation,
): Omit<VerifiedProof, 'jkt'> {
  const { jti, htm, htu, iat, nonce } = payload;
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
    throw new DpopProofError('The DPoP proof needs a jti.');
  }
  if (htm !== expected.method) throw new DpopProofError('The DPoP proof htm does not match the request method.');
  if (typeof htu !== 'string' || normalizeHtu(htu) !== expected.url) {
    throw new DpopProofError('The DPoP proof htu does not match the request URL.');
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new DpopProofError('The DPoP proof needs an iat.');
  const nowSeconds = expected.now / 1000;
  if (nowSeconds - iat > DPOP_PROOF_MAX_AGE_SECONDS) throw new DpopProofError('The DPoP proof is too old.');
  if (iat - nowSeconds > DPOP_PROOF_FUTURE_SKEW_SECONDS)
    throw new DpopProofError('The DPoP proof iat is in the future.');
  if (nonce !== undefined && typeof nonce !== 'string')
    throw new DpopProofError('The DPoP proof nonce is not a string.');
  return { jti, iat, nonce };
}

/**
 * An `htu` as compared (RFC 9449 §4.3 item 9, RFC 3986 §6.2.2–6.2.3): scheme
 * and host lower case, no default port, dot segments resolved, and no query
 * or fragment. Undefined for anything but an absolute http(s) URL.
 *
 * @example
 * ```ts
 * normalizeHtu('HTTPS://Auth.Example.com:443/api/token/?next=1#top'); // 'https://auth.example.com/api/token/'
 * ```
 */
export function normalizeHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * `ath` (RFC 9449 §4.2): base64url of the SHA-256 of the access token's ASCII bytes.
 *
 * @example
 * ```ts
 * accessTokenHash(accessToken); // what a proof sent with `Authorization: DPoP <accessToken>` carries as ath
 * ```
 */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'latin1').digest('base64url');
}

/**
 * The key an access token is bound to (RFC 9449 §6.1, `cnf.jkt`): undefined
 * for an unbound token (no `cnf`), which is all the hot path reads.
 * @throws {DpopProofError} for a `cnf` that names no thumbprint (no key could ever prove it).
 *
 * @example
 * ```ts
 * boundKeyOf({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }); // '0ZcO…'
 * boundKeyOf({ sub: 'alice' }); // undefined
 * ```
 */
export function boundKeyOf(claims: Readonly<Record<string, unknown>>): string | undefined {
  const cnf = claims.cnf;
  if (cnf === undefined) return undefined;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  if (typeof jkt !== 'string' || !THUMBPRINT.test(jkt)) {
    throw new DpopProofError('The access token is bound to no key a proof could name.');
  }
  return jkt;
}

/** What a bound access token's request is checked against: the request, and the token with the key it names. */
export interface BoundTokenExpectation extends ProofExpectation {
  accessToken: string;
  /** The token's `cnf.jkt`. */
  jkt: string;
}

/**
 * RFC 9449 §7.1 for a bound access token: a proof that passes every check
 * of §4.3, whose `ath` is the token's hash, signed by the key the token names.
 * The replay cache and the nonce remain the caller's.
 * @throws {DpopProofError} naming the check that failed.
 *
 * @example
 * ```ts
 * const jkt = boundKeyOf(claims);
 * if (jkt !== undefined) await verifyBoundProof(request.headers.dpop, { method, url, now, accessToken, jkt });
 * ```
 */
export async function verifyBoundProof(proof: unknown, expected: BoundTokenExpectation): Promise<VerifiedProof> {
  if (proof === undefined)
    throw new DpopProofError('This access token is bound to a key: the request needs its DPoP proof.');
  const verified = await verifyDpopProof(proof, expected);
  if (verified.jkt !== expected.jkt) {
    throw new DpopProofError('The DPoP proof is signed by another key than the access token is bound to.');
  }
  return verified;
}

/**
 * The id a replay cache keeps for a proof, and until when (ms since the
 * epoch): past its last acceptable moment, the `iat` check refuses it anyway.
 *
 * @example
 * ```ts
 * const { id, until } = replayEntryOf(verified);
 * if (!(await cache.remember(id, until))) throw new DpopProofError('The DPoP proof has been used before.');
 * ```
 */
export function replayEntryOf(proof: Pick<VerifiedProof, 'jkt' | 'jti' | 'iat'>): { id: string; until: number } {
  const id = createHash('sha256').update(`${proof.jkt} ${proof.jti}`).digest('hex');
  return { id, until: Math.ceil((proof.iat + DPOP_PROOF_MAX_AGE_SECONDS) * 1000) + REPLAY_MARGIN_MS };
}
