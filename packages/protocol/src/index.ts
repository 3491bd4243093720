export { paths, type ApiPath } from './paths.js';
export { details, fieldMessages, tokenMessages, wwwAuthenticate, type ErrorCode, type TokenMessage } from './errors.js';
export type {
  ErrorResponse,
  FieldErrorsResponse,
  MessageResponse,
  ProfileResponse,
  RevokeErrorResponse,
  TokenClaims,
  TokenPairResponse,
  TokenRefreshResponse,
} from './wire.js';
