import { verificationPaths } from './verification.js';

/**
 * The HTTP paths of the tessera API, as SimpleJWT-based backends serve them.
 * Every path is also served without its trailing slash.
 *
 * @example
 * ```ts
 * import { paths } from '@tessera/protocol';
 * await fetch(new URL(paths.tokenObtain, baseUrl), { method: 'POST', body });
 * ```
 */
export const paths = {
  tokenObtain: '/api/token/',
  tokenRefresh: '/api/token/refresh/',
  tokenVerify: '/api/token/verify/',
  tokenBlacklist: '/api/token/blacklist/',
  tokenRevoke: '/api/token/revoke/',
  tokenRevokeAll: '/api/token/revoke-all/',
  authLogin: '/api/auth/login/',
  authRefresh: '/api/auth/refresh/',
  authLogout: '/api/auth/logout/',
  profile: '/api/profile/',
  sessions: '/api/sessions/',
  sessionsRevokeOthers: '/api/sessions/revoke-others/',
  passwordChange: '/api/password/change/',
  passwordReset: '/api/password/reset/',
  passwordResetConfirm: '/api/password/reset/confirm/',
  register: '/api/register/',
  emailVerify: '/api/email/verify/',
  emailVerifyResend: '/api/email/verify/resend/',
  csrf: '/api/csrf/',
  legacyTokenAuth: '/api-token-auth/',
  audit: '/api/audit/',
  /** The admin API's users (staff only): `{id}/`, `{id}/password/`, `{id}/sessions/` below it. */
  adminUsers: '/api/admin/users/',
  /** The audit log under the admin API: the same route as {@link paths.audit}. */
  adminAudit: '/api/admin/audit/',
  /** The revocation feed for services: listed with what verifiers read, in verification.ts. */
  revocations: verificationPaths.revocations,
  health: '/healthz',
  readiness: '/readyz',
} as const;

/** One of the API's paths. */
export type ApiPath = (typeof paths)[keyof typeof paths];

/** The path of one of the caller's sessions, for `DELETE`. */
export function sessionPath(sessionId: string): string {
  return `${paths.sessions}${encodeURIComponent(sessionId)}/`;
}

/** The admin API's path of one user, for `GET`, `PATCH` and `DELETE`. */
export function adminUserPath(userId: number): string {
  return `${paths.adminUsers}${userId}/`;
}
