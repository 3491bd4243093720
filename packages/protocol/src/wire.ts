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

/** `PATCH /api/profile/`: any of the fields; the others stay as they are. */
export type ProfileUpdateRequest = Partial<Pick<ProfileResponse, 'first_name' | 'last_name' | 'email'>>;

/** `POST /api/register/` (when registration is open) answers 201 with the new {@link ProfileResponse}. */
export interface RegisterRequest {
  username: string;
  password: string;
  email?: string;
  first_name?: string;
  last_name?: string;
}

/** `POST /api/password/change/`: every other session of the caller ends. */
export interface PasswordChangeRequest {
  old_password: string;
  new_password: string;
}

/** One live session of the caller in `GET /api/sessions/` (a JSON array of these, most recently used first). */
export interface SessionResponse {
  /** Use it in `DELETE /api/sessions/{id}/`. */
  id: string;
  /** ISO 8601 times. */
  created_at: string;
  last_used_at: string;
  /** The client address and user agent at login. */
  ip: string;
  user_agent: string;
  /** A readable label from the user agent, e.g. `Firefox on Linux`. */
  device: string;
  /** Whether this is the session of the token that asked. */
  current: boolean;
  /** Whether its refresh tokens need a DPoP proof by the key it logged in with (RFC 9449). */
  device_bound: boolean;
}

/** 200 body of `POST /api/sessions/revoke-others/`. */
export interface RevokeOthersResponse {
  message: string;
  /** How many sessions ended. */
  revoked: number;
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

/** The claims of a verified access token: what `request.user` holds behind tessera, in-process or through `@tessera/verify`. */
export type AccessClaims = Readonly<TokenClaims & { token_type: 'access' }>;

/**
 * 200 body of a login or refresh in cookie mode when the tokens travel in
 * HttpOnly cookies only: no token, and what a client needs to schedule the
 * next refresh and to know who is logged in (the access token's claims).
 * Times are ISO 8601, named as dj-rest-auth names them.
 */
export interface CookieSessionResponse {
  access_expiration: string;
  refresh_expiration: string;
  claims: TokenClaims;
}
