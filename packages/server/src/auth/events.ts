/** Where a security event goes besides the log line every event gets. */
export interface EventRecording {
  /** Written to the audit log, in the transaction of the change it records. */
  readonly audited: boolean;
  /** The Prometheus counter it adds to; none when another part counts it (the throttle counts refusals per limit). */
  readonly metric?: 'logins' | 'refreshes' | 'reuseDetections' | 'revocations';
}

/**
 * Every security event tessera records, and where each one goes: the one list
 * the log, the audit log, `/api/audit/`'s filter, the CLI and the metrics read.
 * A refresh token ended by `/api/token/blacklist/`, `/api/token/revoke/` or
 * `/api/auth/logout/` is a `logout`, told apart by its `via`.
 */
export const SECURITY_EVENTS = {
  login_success: { audited: true, metric: 'logins' },
  login_failure: { audited: true, metric: 'logins' },
  login_throttled: { audited: true },
  refresh: { audited: true, metric: 'refreshes' },
  // A refused refresh token changes nothing: logged and counted, not audited.
  refresh_failure: { audited: false, metric: 'refreshes' },
  refresh_token_reuse: { audited: true, metric: 'reuseDetections' },
  // A refresh of a device-bound session without a valid proof by its key: refused, the session goes on.
  dpop_proof_refused: { audited: true },
  logout: { audited: true, metric: 'revocations' },
  session_revoked: { audited: true, metric: 'revocations' },
  revoke_all: { audited: true, metric: 'revocations' },
  password_changed: { audited: true },
  // A reset mail was made for the user (a request for an address no active account has is not recorded).
  password_reset_requested: { audited: true },
  password_reset: { audited: true },
  email_verified: { audited: true },
  profile_updated: { audited: true },
  user_created: { audited: true },
  user_deactivated: { audited: true },
  user_activated: { audited: true },
  // The admin API's and the CLI's changes to a user's fields, flags, role or permissions; and deletions.
  user_updated: { audited: true },
  user_deleted: { audited: true },
  // A service's credential for the revocation feed, made or revoked with `tessera services`.
  service_created: { audited: true },
  service_revoked: { audited: true },
  // `tessera import django`: one entry per run that wrote, with its counts.
  users_imported: { audited: true },
  // A credential from before the move from Django: a SimpleJWT refresh token exchanged, or a DRF Token key used.
  legacy_token_used: { audited: true },
  // `tessera revoke-drf-tokens`: every DRF key ended at once.
  drf_tokens_revoked: { audited: true },
} as const satisfies Record<string, EventRecording>;

export type SecurityEvent = keyof typeof SECURITY_EVENTS;

/** The events the audit log records. */
export type AuditEvent = {
  [Event in SecurityEvent]: (typeof SECURITY_EVENTS)[Event]['audited'] extends true ? Event : never;
}[SecurityEvent];

/** Every {@link AuditEvent}, in the table's order. */
export const AUDIT_EVENTS = (Object.keys(SECURITY_EVENTS) as SecurityEvent[]).filter(
  (event): event is AuditEvent => SECURITY_EVENTS[event].audited,
);

/** How a refresh token was ended: which endpoint, for `logout` events. */
export type LogoutVia = 'logout' | 'revoke' | 'blacklist';

/** What a security event's log line says besides its name and the client. */
export interface SecurityEventFields {
  userId?: number | undefined;
  sessionId?: string | undefined;
  reason?: string | undefined;
  /** Which endpoint ended a refresh token, for `logout`. */
  via?: LogoutVia | undefined;
}
