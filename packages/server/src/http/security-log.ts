import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../auth/audit.js';
import type { SecurityEvent, SecurityEventFields } from '../auth/events.js';
import { countSecurityEvent } from './metrics.js';
import { escapeControl } from '../terminal-text.js';

/**
 * Logs one security event with the user, the session and the client address,
 * and counts it as {@link SECURITY_EVENTS} says. Never pass a password or a token here.
 */
export function logSecurityEvent(
  request: FastifyRequest,
  event: SecurityEvent,
  fields: SecurityEventFields = {},
): void {
  countSecurityEvent(request.server.metrics, event, fields);
  request.log.info(
    {
      security_event: event,
      user_id: fields.userId,
      session_id: fields.sessionId,
      // Client text, escaped: a log line is read on a terminal.
      reason: fields.reason === undefined ? undefined : escapeControl(fields.reason),
      via: fields.via,
      client_ip: escapeControl(request.ip),
      user_agent: escapeControl(userAgentOf(request)),
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
