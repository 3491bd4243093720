import type { ErrorCode } from './errors.js';

/** 200 body of a login: the refresh token first, as SimpleJWT orders it. */
export interface TokenPairResponse {
  refresh: string;
  access: string;
}

/** 200 body of a refresh: the access token first, as SimpleJWT orders it. */
export interface TokenRefreshResponse {
  access: string;
  refresh: string;
}

/** 200 body of `GET /api/profile/`: the caller's own data only. */
export interface ProfileResponse {
  username: string;
  first_name: string;
  last_name: string;
  email: string;
}

/** 200 body of the revoke endpoints. */
export interface MessageResponse {
  message: string;
}

/** 400 body of a failed revoke. */
export interface RevokeErrorResponse {
  error: string;
}

/** An error body with a stable `code` (see {@link ErrorCode}). */
export interface ErrorResponse {
  detail: string;
  code?: ErrorCode;
  messages?: Array<{ token_class: string; token_type: string; message: string }>;
}

/** 400 body of a request whose fields failed validation: one list per field. */
export type FieldErrorsResponse = Record<string, string[]>;

/** The claims tessera puts in both access and refresh tokens. */
export interface TokenClaims {
  token_type: 'access' | 'refresh';
  exp: number;
  iat: number;
  jti: string;
  user_id: string;
  username: string;
  sid: string;
  role?: string;
  permissions?: string[];
  is_staff?: boolean;
  is_superuser?: boolean;
  iss?: string;
  aud?: string;
}
