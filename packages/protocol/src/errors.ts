/** What an error code means on the wire: its status, its usual `detail`, and whether the body names the code. */
export interface ErrorSpec {
  readonly status: number;
  /** The `detail` sent unless the error says more (e.g. which method, how many seconds). */
  readonly detail: string;
  /**
   * Whether the body carries `"code"`. SimpleJWT's errors and tessera's own
   * do; DRF's generic ones (bad credentials, 405, 415, JSON parse errors) do
   * not, and clients match their bodies as DRF sends them.
   */
  readonly named: boolean;
}

/**
 * Every error tessera answers, keyed by the `code` a client can `switch` on.
 * The server builds each error body from this table; the README lists it.
 */
export const errorTable = {
  token_not_valid: { status: 401, detail: 'Token is invalid', named: true },
  bad_authorization_header: {
    status: 401,
    detail: 'Authorization header must contain two space-delimited values',
    named: true,
  },
  user_not_found: { status: 401, detail: 'User not found', named: true },
  user_inactive: { status: 401, detail: 'User is inactive', named: true },
  not_authenticated: { status: 401, detail: 'Authentication credentials were not provided.', named: false },
  authentication_failed: { status: 401, detail: 'No active account found with the given credentials', named: false },
  no_active_account: { status: 401, detail: 'No active account found for the given token.', named: false },
  service_credentials_invalid: {
    status: 401,
    detail: 'Invalid service name or secret.',
    named: true,
  },
  reset_token_invalid: {
    status: 400,
    detail: 'This password reset link is invalid. Ask for a new one.',
    named: true,
  },
  reset_token_expired: {
    status: 400,
    detail: 'This password reset link has expired. Ask for a new one.',
    named: true,
  },
  reset_token_used: {
    status: 400,
    detail: 'This password reset link has already been used. Ask for a new one.',
    named: true,
  },
  reset_token_stale: {
    status: 400,
    detail: "The account's password or e-mail changed since this link was sent. Ask for a new one.",
    named: true,
  },
  verify_token_invalid: {
    status: 400,
    detail: 'This verification link is invalid. Ask for a new one.',
    named: true,
  },
  verify_token_expired: {
    status: 400,
    detail: 'This verification link has expired. Ask for a new one.',
    named: true,
  },
  verify_token_used: {
    status: 400,
    detail: 'This verification link has already been used.',
    named: true,
  },
  verify_token_stale: {
    status: 400,
    detail: "The account's address changed since this link was sent. Ask for a new one.",
    named: true,
  },
  email_not_verified: {
    status: 401,
    detail: 'E-mail address is not verified. Follow the link in the verification mail, or ask for a new one.',
    named: true,
  },
  // RFC 9449: a DPoP proof that is missing where required, malformed, replayed or by another key.
  invalid_dpop_proof: { status: 401, detail: 'Invalid DPoP proof.', named: true },
  // RFC 9449 §8: the proof must carry the nonce the `DPoP-Nonce` header of this answer gives.
  use_dpop_nonce: { status: 401, detail: 'The DPoP proof must carry the nonce in DPoP-Nonce.', named: true },
  method_not_allowed: { status: 405, detail: 'Method not allowed.', named: false },
  unsupported_media_type: { status: 415, detail: 'Unsupported media type in request.', named: false },
  parse_error: { status: 400, detail: 'Malformed request.', named: true },
  invalid: { status: 400, detail: 'Invalid input.', named: false },
  not_found: { status: 404, detail: 'Not found.', named: true },
  payload_too_large: { status: 413, detail: 'Request body is too large.', named: true },
  request_timeout: { status: 408, detail: 'The request was not received in time.', named: true },
  headers_too_large: { status: 431, detail: 'Request headers are too large.', named: true },
  expectation_failed: { status: 417, detail: 'Only "Expect: 100-continue" is supported.', named: true },
  throttled: { status: 429, detail: 'Request was throttled.', named: true },
  csrf_failed: { status: 403, detail: 'CSRF Failed.', named: true },
  permission_denied: { status: 403, detail: 'You do not have permission to perform this action.', named: true },
  service_unavailable: {
    status: 503,
    detail: 'The authentication store is unavailable. Try again shortly.',
    named: true,
  },
  revocations_unavailable: {
    status: 503,
    detail: 'Cannot confirm the token is still valid. Try again shortly.',
    named: true,
  },
  server_error: { status: 500, detail: 'A server error occurred.', named: true },
} as const satisfies Record<string, ErrorSpec>;

/**
 * The `code` member of tessera's error bodies: a closed set a client can
 * `switch` on. Bodies without a `code` (bad credentials, field errors) are
 * kept as SimpleJWT sends them.
 */
export type ErrorCode = keyof typeof errorTable;

/** Every {@link ErrorCode}, in the table's order. */
export const ERROR_CODES = Object.keys(errorTable) as readonly ErrorCode[];

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
  badCredentials: errorTable.authentication_failed.detail,
  noActiveAccountForToken: errorTable.no_active_account.detail,
  notAuthenticated: errorTable.not_authenticated.detail,
  badAuthorizationHeader: errorTable.bad_authorization_header.detail,
  tokenNotValidForAnyType: 'Given token not valid for any token type',
  noUserIdentification: 'Token contained no recognizable user identification',
  userNotFound: errorTable.user_not_found.detail,
  userInactive: errorTable.user_inactive.detail,
  invalidToken: 'Invalid token',
  serverError: errorTable.server_error.detail,
  serviceUnavailable: errorTable.service_unavailable.detail,
  notFound: errorTable.not_found.detail,
  payloadTooLarge: errorTable.payload_too_large.detail,
  permissionDenied: errorTable.permission_denied.detail,
} as const;

/** Field-level validation messages, as DRF words them. */
export const fieldMessages = {
  /** Django's SetPasswordForm, for dj-rest-auth's `new_password2`. */
  passwordMismatch: 'The two password fields didn’t match.',
  required: 'This field is required.',
  blank: 'This field may not be blank.',
  null: 'This field may not be null.',
  notString: 'Not a valid string.',
} as const;

/** The value of `WWW-Authenticate` on every 401 but the revocation feed's. */
export const wwwAuthenticate = 'Bearer realm="api"';

/** The value of `WWW-Authenticate` on the revocation feed's 401s: it takes a service's name and secret. */
export const serviceWwwAuthenticate = 'Basic realm="tessera"';
