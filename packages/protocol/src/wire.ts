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
  /** Whether `email` was verified; sent only when the server verifies addresses (`TESSERA_EMAIL_VERIFICATION`). */
  email_verified?: boolean;
  /** A new address waiting for its verification (`email` stays the old one until then); empty when none. Sent with `email_verified`. */
  pending_email?: string;
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

/** `POST /api/password/reset/`: answered alike whether or not an account has the address. */
export interface PasswordResetRequest {
  email: string;
}

/** dj-rest-auth's words, the one answer of `POST /api/password/reset/`. */
export const PASSWORD_RESET_SENT = 'Password reset e-mail has been sent.';
/** dj-rest-auth's words, the answer of a successful `POST /api/password/reset/confirm/`. */
export const PASSWORD_RESET_DONE = 'Password has been reset with the new password.';

/** 200 body of the password reset endpoints (dj-rest-auth's shape). */
export interface DetailResponse {
  detail: string;
}

/**
 * `POST /api/password/reset/confirm/`: the token from the mail (link or
 * code) and the new password; or dj-rest-auth's shape, `uid`, `token`,
 * `new_password1` and `new_password2`. Every session of the user ends; the
 * user is not logged in.
 */
export type PasswordResetConfirmRequest =
  | { token: string; new_password: string }
  | { uid?: string; token: string; new_password1: string; new_password2: string };

/** `POST /api/email/verify/`: the token from the verification mail (dj-rest-auth calls it `key`). */
export type EmailVerifyRequest = { token: string } | { key: string };

/** dj-rest-auth's answer of the e-mail verification endpoints. */
export const EMAIL_VERIFY_OK = 'ok';

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

/** A user as the admin API (`/api/admin/users/`) shows one to staff: never a password hash. */
export interface AdminUserResponse {
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  is_active: boolean;
  is_staff: boolean;
  is_superuser: boolean;
  /** Whether the user confirmed their address (read-only: the user's own link sets it). */
  email_verified: boolean;
  role: string;
  permissions: string[];
  /** ISO 8601; null before the first login. */
  last_login: string | null;
  date_joined: string;
}

/** `PATCH /api/admin/users/{id}/`: any of the fields; the others stay as they are. */
export type AdminUserUpdateRequest = Partial<
  Omit<AdminUserResponse, 'id' | 'username' | 'email_verified' | 'last_login' | 'date_joined'>
>;

/** `POST /api/admin/users/`: a new user, under the password policy. */
export type AdminUserCreateRequest = { username: string; password: string } & AdminUserUpdateRequest;

/**
 * A page of `GET /api/admin/users/`, DRF's shape; `next` and `previous` are
 * links with an `after` or `before` cursor (a user id), so any page costs
 * what the first does.
 */
export interface AdminUserPage {
  /** How many users match, counted up to 10,000. */
  count: number;
  /** False when more than `count` users match: a console shows "10,000+". */
  count_exact: boolean;
  next: string | null;
  previous: string | null;
  results: AdminUserResponse[];
}

/** One of a user's sessions as `GET /api/admin/users/{id}/sessions/` shows it to staff. */
export interface AdminSessionResponse {
  id: string;
  created_at: string;
  last_used_at: string;
  ip: string;
  user_agent: string;
  /** "Firefox on Linux", from the user agent. */
  device: string;
  /** Whether its refresh tokens need a DPoP proof by the key it logged in with (RFC 9449). */
  device_bound: boolean;
  /** With `?all=true`: when and why an ended session ended; null while it lives. */
  revoked_at: string | null;
  revoke_reason: string | null;
}

/** One entry of the audit log (`GET /api/admin/audit/`). */
export interface AuditEntryResponse {
  id: number;
  /** ISO 8601. */
  at: string;
  event: string;
  user_id: number | null;
  /** As given at the time (a failed login's attempted name, too); empty when unknown. */
  username: string;
  session_id: string | null;
  ip: string;
  user_agent: string;
  /** Admin actions carry `via: "admin"` and the acting administrator's username in `by`. */
  details: Record<string, string | number | boolean>;
}

/** A page of the audit log, newest first: DRF's page-number shape. */
export interface AuditPage {
  count: number;
  next: string | null;
  previous: string | null;
  results: AuditEntryResponse[];
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
  /**
   * An access token bound to a DPoP key (`TESSERA_DPOP_ACCESS=on`, RFC 9449 §6.1):
   * the key's RFC 7638 thumbprint. It is used as `Authorization: DPoP`, with a proof by that key.
   */
  cnf?: { jkt: string };
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
