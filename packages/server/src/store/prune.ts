import type { Config } from '../config.js';
import type { Store } from './types.js';

const DAY_MS = 86_400_000;

/** What one prune deleted. */
export interface PruneResult {
  tokens: number;
  sessions: number;
  auditEntries: number;
}

/**
 * Deletes what is no longer needed, in batches: expired refresh tokens and the
 * sessions left with none, and audit entries older than the retention
 * (`TESSERA_AUDIT_RETENTION_DAYS`; 0 keeps them). Idempotent, so every
 * instance may run it.
 *
 * @example
 * ```ts
 * await pruneStore(store, { auditRetentionDays: 365 }, Date.now());
 * // { tokens: 12, sessions: 3, auditEntries: 0 }
 * ```
 */
export async function pruneStore(
  store: Store,
  { auditRetentionDays }: Pick<Config, 'auditRetentionDays'>,
  now: number,
): Promise<PruneResult> {
  const { tokens, sessions } = await store.deleteExpired(now);
  const auditEntries = auditRetentionDays === 0 ? 0 : await store.deleteAuditBefore(now - auditRetentionDays * DAY_MS);
  return { tokens, sessions, auditEntries };
}
