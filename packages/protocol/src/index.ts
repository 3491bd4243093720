export { audienceAccepted } from './audience.js';
export { adminUserPath, paths, sessionPath, type ApiPath } from './paths.js';
export {
  ERROR_CODES,
  details,
  errorTable,
  fieldMessages,
  serviceWwwAuthenticate,
  tokenMessages,
  wwwAuthenticate,
  type ErrorCode,
  type ErrorSpec,
  type TokenMessage,
} from './errors.js';
export type {
  AccessClaims,
  AdminUserCreateRequest,
  AdminUserPage,
  AdminUserResponse,
  AdminUserUpdateRequest,
  CookieSessionResponse,
  ErrorResponse,
  FieldErrorsResponse,
  MessageResponse,
  PasswordChangeRequest,
  ProfileResponse,
  ProfileUpdateRequest,
  RegisterRequest,
  RevokeErrorResponse,
  RevokeOthersResponse,
  SessionResponse,
  TokenClaims,
  TokenPairResponse,
  TokenRefreshResponse,
} from './wire.js';
export {
  SIGNING_ALGORITHMS,
  verificationPaths,
  type RevocationFeedEvent,
  type RevocationFeedKind,
  type RevocationFeedPage,
  type SigningAlgorithm,
  type VerificationMetadata,
} from './verification.js';
