export { audienceAccepted } from './audience.js';
export { parseAuthorizationHeader, type AuthorizationHeader } from './authorization-header.js';
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
  AdminSessionResponse,
  AdminUserCreateRequest,
  AdminUserPage,
  AdminUserResponse,
  AdminUserUpdateRequest,
  AuditEntryResponse,
  AuditPage,
  CookieSessionResponse,
  DetailResponse,
  EmailVerifyRequest,
  ErrorResponse,
  FieldErrorsResponse,
  MessageResponse,
  PasswordChangeRequest,
  PasswordResetConfirmRequest,
  PasswordResetRequest,
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
export { EMAIL_VERIFY_OK, PASSWORD_RESET_DONE, PASSWORD_RESET_SENT } from './wire.js';
export {
  SIGNING_ALGORITHMS,
  verificationPaths,
  type RevocationFeedEvent,
  type RevocationFeedKind,
  type RevocationFeedPage,
  type SigningAlgorithm,
  type VerificationMetadata,
} from './verification.js';
