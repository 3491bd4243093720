import type { AuditEntry } from '../store/types.js';
import type { AuditEvent } from './events.js';
import { escapeControl } from '../terminal-text.js';

/** Where a request came from, as the audit log records it. */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}

/** What the CLI records as its client: no address, its own name. */
export const CLI_CLIENT: ClientInfo = { ip: '', userAgent: 'tessera-cli' };

export interface AuditFields {
  userId?: number | null | undefined;
  username?: string | undefined;
  sessionId?: string | null | undefined;
  details?: Record<string, string | number | boolean>;
}

/**
 * An audit entry with every text escaped. Pass ids, names and reasons here,
 * never a password or a token.
 */
export function auditEntry(event: AuditEvent, client: ClientInfo, at: number, fields: AuditFields = {}): AuditEntry {
  const details: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(fields.details ?? {})) {
    details[escapeControl(key)] = typeof value === 'string' ? escapeControl(value) : value;
  }
  return {
    at,
    event,
    userId: fields.userId ?? null,
    username: escapeControl(fields.username ?? '').slice(0, 1024),
    sessionId: fields.sessionId ?? null,
    ip: escapeControl(client.ip).slice(0, 64),
    userAgent: escapeControl(client.userAgent).slice(0, 2048),
    details,
  };
}
