import { details, errorTable, tokenMessages, type ErrorCode, type TokenMessage } from '@tessera/protocol';

type Body = Record<string, unknown>;

export interface AuthErrorOptions {
  /** Says more than the table's `detail` (which method, how many seconds). */
  detail?: string;
  /** Members after `detail` and `code`, e.g. SimpleJWT's `messages`. */
  extra?: Body;
  /** A body of another shape altogether (field errors, DRF's JSON parse error). */
  body?: Body;
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

/**
 * The one error type tessera's handlers throw. Its status, and the body's
 * `detail` and `code`, come from the protocol's {@link errorTable}, so an error
 * is named by its code alone. The error handler sends `body` with
 * `statusCode`; anything that is not an `AuthError` becomes a logged, generic 500.
 *
 * @example
 * ```ts
 * throw new AuthError('permission_denied');
 * // 403 {"detail":"You do not have permission to perform this action.","code":"permission_denied"}
 * ```
 */
export class AuthError extends Error {
  override name = 'AuthError';
  readonly statusCode: number;
  readonly body: Body;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    options: AuthErrorOptions = {},
  ) {
    const spec = errorTable[code];
    const detail = options.detail ?? spec.detail;
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = spec.status;
    this.body = options.body ?? { detail, ...(spec.named ? { code } : {}), ...options.extra };
    this.headers = options.headers ?? {};
  }
}

/** A token that cannot be used, with SimpleJWT's message for why. */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(readonly tokenMessage: TokenMessage) {
    super(tokenMessage);
  }
}

export const invalidToken = (): TokenError => new TokenError(tokenMessages.invalid);

/** 401 on the token endpoints: `{"detail":<message>,"code":"token_not_valid"}`. */
export function tokenNotValid(error: TokenError): AuthError {
  return new AuthError('token_not_valid', { detail: error.tokenMessage });
}

/** 401 on protected endpoints, listing the token classes tried, as SimpleJWT does. */
export function accessTokenNotValid(error: TokenError): AuthError {
  return new AuthError('token_not_valid', {
    detail: details.tokenNotValidForAnyType,
    extra: { messages: [{ token_class: 'AccessToken', token_type: 'access', message: error.tokenMessage }] },
  });
}

/** 400 with one list of messages per field, in declaration order. */
export function fieldErrors(errors: Record<string, string[]>): AuthError {
  return new AuthError('invalid', { body: errors });
}
