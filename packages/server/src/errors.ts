import { details, tokenMessages, type ErrorCode, type TokenMessage } from '@tessera/protocol';

type Body = Record<string, unknown>;

/**
 * The one error type tessera's handlers throw. The error handler sends
 * `body` with `statusCode`; anything that is not an `AuthError` becomes a
 * logged, generic 500.
 */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    readonly body: Body,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(typeof body.detail === 'string' ? body.detail : code, options);
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
  return new AuthError(401, 'token_not_valid', { detail: error.tokenMessage, code: 'token_not_valid' });
}

/** 401 on protected endpoints, listing the token classes tried, as SimpleJWT does. */
export function accessTokenNotValid(error: TokenError): AuthError {
  return new AuthError(401, 'token_not_valid', {
    detail: details.tokenNotValidForAnyType,
    code: 'token_not_valid',
    messages: [{ token_class: 'AccessToken', token_type: 'access', message: error.tokenMessage }],
  });
}

/** A 401 whose body carries a `code`. */
export function unauthorized(code: ErrorCode, detail: string): AuthError {
  return new AuthError(401, code, { detail, code });
}

/** A 401 without `code`, as SimpleJWT answers failed credentials. */
export function unauthorizedWithoutCode(code: ErrorCode, detail: string): AuthError {
  return new AuthError(401, code, { detail });
}

/** 400 with one list of messages per field, in declaration order. */
export function fieldErrors(errors: Record<string, string[]>): AuthError {
  return new AuthError(400, 'invalid', errors);
}
