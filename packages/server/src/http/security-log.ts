import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../auth/audit.js';
import { countSecurityEvent } from './metrics.js';

/** The security events the log records, one structured line each. */
export type SecurityEvent =
  | 'login_success'
  | 'login_failure'
  | 'login_throttled'
  | 'refresh'
  | 'refresh_failure'
  | 'refresh_token_reuse'
  | 'logout'
  | 'blacklist'
  | 'revoke_all'
  | 'session_revoked'
  | 'password_changed'
  | 'profile_updated'
  | 'user_created';

export interface SecurityEventFields {
  userId?: number | undefined;
  sessionId?: string | undefined;
  reason?: string | undefined;
}

/**
 * Logs one security event with the user, the session and the client address.
 * Never pass a password or a token here.
 */
export function logSecurityEvent(
  request: FastifyRequest,
  event: SecurityEvent,
  fields: SecurityEventFields = {},
): void {
  countSecurityEvent(request.server.metrics, event, fields.reason);
  request.log.info(
    {
      security_event: event,
      user_id: fields.userId,
      session_id: fields.sessionId,
      reason: fields.reason,
      client_ip: request.ip,
      user_agent: userAgentOf(request),
    },
    `security event: ${event}`,
  );
}

/** The client's user agent, bounded for storage. */
export function userAgentOf(request: FastifyRequest): string {
  return (request.headers['user-agent'] ?? '').slice(0, 512);
}

/** The client's address and user agent, for the audit log. */
export function clientOf(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: userAgentOf(request) };
}
