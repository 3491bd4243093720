import type { AuditEntry } from '../store/types.js';
import { MAX_USERNAME_LENGTH } from './account-rules.js';
import type { AuditEvent } from './events.js';
import { escapeControl } from '../terminal-text.js';

/** Where a request came from, as the audit log records it. */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}

/** What the CLI records as its client: no address, its own name. */
export const CLI_CLIENT: ClientInfo = { ip: '', userAgent: 'tessera-cli' };

/**
 * The most stored of each text, in characters, after escaping: anyone can
 * make entries (a failed login is one), so what each may hold is bounded. A
 * username can be no longer; a user agent this long still names the browser.
 */
export const AUDIT_TEXT_LIMITS = { username: MAX_USERNAME_LENGTH, ip: 64, userAgent: 256, detail: 256 } as const;

const bounded = (text: string, limit: number) => escapeControl(text).slice(0, limit);

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
    const bound = AUDIT_TEXT_LIMITS.detail;
    details[bounded(key, bound)] = typeof value === 'string' ? bounded(value, bound) : value;
  }
  return {
    at,
    event,
    userId: fields.userId ?? null,
    username: bounded(fields.username ?? '', AUDIT_TEXT_LIMITS.username),
    sessionId: fields.sessionId ?? null,
    ip: bounded(client.ip, AUDIT_TEXT_LIMITS.ip),
    userAgent: bounded(client.userAgent, AUDIT_TEXT_LIMITS.userAgent),
    details,
  };
}
