/**
 * The one error type of `@tessera/verify`. Its `code`, status and body are
 * tessera's own (`@tessera/protocol`'s error table), so a service behind
 * tessera answers exactly as tessera's protected endpoints do.
 */
import { details, errorTable, tokenMessages, type ErrorCode, type TokenMessage } from '@tessera/protocol';
import { DPOP_ALGORITHMS } from './dpop-proof.js';

/** The JSON body of an error, as the contract words it. */
export type ErrorBody = Readonly<Record<string, unknown>>;

export interface VerifyErrorOptions {
  /** Says more than the table's `detail`. */
  detail?: string;
  /** Members after `detail` and `code` (SimpleJWT's `messages`). */
  extra?: Record<string, unknown>;
  headers?: Readonly<Record<string, string>>;
  /** For logs only: never in the body. */
  cause?: unknown;
}

/**
 * Why a token or a request was refused. `statusCode`, `body` and `headers`
 * are the HTTP answer; `code` is the contract's, for a `switch`.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token);
 * } catch (error) {
 *   if (error instanceof VerifyError) reply.code(error.statusCode).headers(error.headers).send(error.body);
 *   else throw error;
 * }
 * ```
 */
export class VerifyError extends Error {
  override name = 'VerifyError';
  readonly statusCode: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    options: VerifyErrorOptions = {},
  ) {
    const spec = errorTable[code];
    const detail = options.detail ?? spec.detail;
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = spec.status;
    this.body = { detail, ...(spec.named ? { code } : {}), ...options.extra };
    this.headers =
      spec.status === 401 ? { 'www-authenticate': WWW_AUTHENTICATE, ...options.headers } : { ...options.headers };
  }
}

const WWW_AUTHENTICATE = 'Bearer realm="api"';

/**
 * A token that cannot be used: tessera's 401 on a protected endpoint,
 * `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[…]}`.
 */
export function tokenNotValid(message: TokenMessage = tokenMessages.invalid, cause?: unknown): VerifyError {
  return new VerifyError('token_not_valid', {
    detail: details.tokenNotValidForAnyType,
    extra: { messages: [{ token_class: 'AccessToken', token_type: 'access', message }] },
    cause,
  });
}

/** A token without a usable `user_id`: SimpleJWT's `Token contained no recognizable user identification`. */
export const noUserIdentification = (): VerifyError =>
  new VerifyError('token_not_valid', { detail: details.noUserIdentification });

/** 503 with `Retry-After`: the feed has been silent longer than `staleAfterSeconds`. */
export const revocationsUnavailable = (retryAfterSeconds: number): VerifyError =>
  new VerifyError('revocations_unavailable', { headers: { 'retry-after': String(retryAfterSeconds) } });

/** 503 with `Retry-After`: tessera's signing keys could not be fetched yet. */
export const keysUnavailable = (retryAfterSeconds: number, cause?: unknown): VerifyError =>
  new VerifyError('service_unavailable', {
    detail: "Cannot verify the token: tessera's signing keys are unreachable. Try again shortly.",
    headers: { 'retry-after': String(retryAfterSeconds) },
    cause,
  });

/**
 * A request whose DPoP proof fails (RFC 9449 §7.1): 401 `invalid_dpop_proof`
 * with a `DPoP` challenge, as tessera's own protected routes answer.
 */
export const dpopRefused = (error: Error): VerifyError =>
  new VerifyError('invalid_dpop_proof', {
    detail: error.message,
    headers: { 'www-authenticate': `DPoP error="invalid_dpop_proof", algs="${DPOP_ALGORITHMS.join(' ')}"` },
    cause: error,
  });

/** 503 with `Retry-After`: the DPoP replay cache could not say whether a proof is new. */
export const replayCacheUnavailable = (cause: unknown): VerifyError =>
  new VerifyError('service_unavailable', {
    detail: 'Cannot verify the DPoP proof: its replay cache is unreachable. Try again shortly.',
    headers: { 'retry-after': '1' },
    cause,
  });
