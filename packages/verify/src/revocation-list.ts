/**
 * What the revocation feed has said, kept only as long as it can matter.
 *
 * A revoked session can only refuse tokens issued before the event, and
 * those expire at most one access-token lifetime later; so an entry is
 * forgotten once `at` + the longest lifetime seen (`exp - iat` of verified
 * tokens, at least {@link MIN_RETENTION_SECONDS}, at most
 * {@link MAX_RETENTION_SECONDS}) has passed. Memory is bounded under a flood
 * too: past {@link MAX_ENTRIES} the oldest entry goes and becomes a reset
 * (every token issued at or before its `at` is refused), so forgetting never
 * lets a revoked token through. Likewise a token that outlives what was kept
 * (issued before a forgotten event, longer-lived than the retention then) is
 * refused.
 */
import type { RevocationFeedEvent } from '@tessera/protocol';

/** Why a token is refused: its session or everything before a reset (`revoked`), or its key (`key`). */
export type Refusal = 'revoked' | 'key';

/** The claims a revocation can name (`sid`, `user_id`, `iat`, `exp`), unchecked yet. */
export type RevocableToken = Readonly<Record<string, unknown>>;

export interface RevocationList {
  apply(event: Pick<RevocationFeedEvent, 'kind' | 'target' | 'at'>): void;
  /** The feed lost events: refuse every token issued at or before `resetAt` (seconds). */
  reset(resetAt: number): void;
  /** A verified token's lifetime, `exp - iat` in seconds. */
  observeLifetime(seconds: number): void;
  /** Why `token` (with its header's `kid`) is refused, or undefined. */
  refusal(token: RevocableToken, kid: string | undefined): Refusal | undefined;
  /** Entries held (sessions and keys). */
  readonly size: number;
}

export const MIN_RETENTION_SECONDS = 300;
export const MAX_RETENTION_SECONDS = 86_400;
export const MAX_ENTRIES = 100_000;
const MAX_KEYS = 1024;

/**
 * @example
 * ```ts
 * const list = createRevocationList(() => Date.now(), 0);
 * list.apply({ kind: 'session', target: sid, at: 1767225600 });
 * list.refusal(claims, kid); // 'revoked' when claims.sid === sid
 * ```
 */
export function createRevocationList(nowMs: () => number, toleranceSeconds: number): RevocationList {
  /** sid → `at`, in order of arrival (about the order of `at`). */
  const sessions = new Map<string, number>();
  const keys = new Set<string>();
  let longestLifetime = MIN_RETENTION_SECONDS;
  /** Tokens issued at or before this are refused (a reset, or an entry dropped for room). */
  let resetAt = -Infinity;
  /** The latest `at` forgotten, and the retention it was kept for. */
  let forgottenAt = -Infinity;
  let forgottenRetention = Infinity;

  const retention = () => Math.min(longestLifetime, MAX_RETENTION_SECONDS) + toleranceSeconds;

  const prune = (entries: Map<string, number>) => {
    const keep = retention();
    const horizon = nowMs() / 1000 - keep;
    for (const [target, at] of entries) {
      if (entries.size > MAX_ENTRIES) {
        resetAt = Math.max(resetAt, at);
      } else if (at < horizon) {
        forgottenAt = Math.max(forgottenAt, at);
        forgottenRetention = Math.min(forgottenRetention, keep);
      } else {
        break;
      }
      entries.delete(target);
    }
  };

  const add = (entries: Map<string, number>, target: string, at: number) => {
    const previous = entries.get(target);
    entries.delete(target);
    entries.set(target, Math.max(at, previous ?? -Infinity));
    prune(entries);
  };

  return {
    apply({ kind, target, at }) {
      // A `user` entry refuses nothing: every session a change to the user ended has an entry of its own.
      if (kind === 'session') add(sessions, target, at);
      else if (kind === 'key') {
        keys.delete(target);
        keys.add(target);
        if (keys.size > MAX_KEYS) keys.delete(keys.values().next().value as string);
      }
    },
    reset(at) {
      resetAt = Math.max(resetAt, at);
    },
    observeLifetime(seconds) {
      if (seconds > longestLifetime) longestLifetime = Math.min(seconds, MAX_RETENTION_SECONDS);
    },
    refusal(token, kid) {
      if (kid !== undefined && keys.has(kid)) return 'key';
      const iat = typeof token.iat === 'number' ? token.iat : Infinity;
      if (iat <= resetAt) return 'revoked';
      if (typeof token.sid === 'string' && sessions.has(token.sid)) return 'revoked';
      if (iat <= forgottenAt && typeof token.exp === 'number' && token.exp - iat > forgottenRetention) return 'revoked';
      return undefined;
    },
    get size() {
      return sessions.size + keys.size;
    },
  };
}
