/**
 * The `code` member of tessera's error bodies: a closed set a client can
 * `switch` on. Bodies without a `code` (bad credentials, field errors) are
 * kept as SimpleJWT sends them.
 */
export type ErrorCode =
  | 'token_not_valid'
  | 'bad_authorization_header'
  | 'user_not_found'
  | 'user_inactive'
  | 'not_authenticated'
  | 'authentication_failed'
  | 'no_active_account'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'parse_error'
  | 'invalid'
  | 'not_found'
  | 'payload_too_large'
  | 'throttled'
  | 'csrf_failed'
  | 'permission_denied'
  | 'service_unavailable'
  | 'server_error';

/** The messages SimpleJWT gives for a token that cannot be used. */
export const tokenMessages = {
  invalid: 'Token is invalid',
  expired: 'Token is expired',
  blacklisted: 'Token is blacklisted',
  wrongType: 'Token has wrong type',
  noType: 'Token has no type',
  noId: 'Token has no id',
  noExp: "Token has no 'exp' claim",
} as const;

/** One of {@link tokenMessages}. */
export type TokenMessage = (typeof tokenMessages)[keyof typeof tokenMessages];

/** Fixed `detail` strings of the contract. */
export const details = {
  badCredentials: 'No active account found with the given credentials',
  noActiveAccountForToken: 'No active account found for the given token.',
  notAuthenticated: 'Authentication credentials were not provided.',
  badAuthorizationHeader: 'Authorization header must contain two space-delimited values',
  tokenNotValidForAnyType: 'Given token not valid for any token type',
  noUserIdentification: 'Token contained no recognizable user identification',
  userNotFound: 'User not found',
  userInactive: 'User is inactive',
  invalidToken: 'Invalid token',
  serverError: 'A server error occurred.',
  serviceUnavailable: 'The authentication store is unavailable. Try again shortly.',
  notFound: 'Not found.',
  payloadTooLarge: 'Request body is too large.',
} as const;

/** Field-level validation messages, as DRF words them. */
export const fieldMessages = {
  required: 'This field is required.',
  blank: 'This field may not be blank.',
  null: 'This field may not be null.',
  notString: 'Not a valid string.',
} as const;

/** The value of `WWW-Authenticate` on every 401. */
export const wwwAuthenticate = 'Bearer realm="api"';
