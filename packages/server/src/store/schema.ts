import type { Generated } from 'kysely';
import type { SigningAlgorithm } from '@tessera/protocol';
import type { AuditEvent, RevocationKind, RevokeReason, SigningKeyState } from './types.js';

/**
 * The tables as Kysely sees them. Times are milliseconds since the epoch;
 * flags are 0/1 integers so that every dialect stores them alike.
 */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  revocations: RevocationsTable;
  audit_log: AuditLogTable;
  signing_keys: SigningKeysTable;
  revocations_pruned: RevocationsPrunedTable;
  services: ServicesTable;
  dpop_proofs: DpopProofsTable;
}

/** Django's `auth_user` fields, plus role and permissions. */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** A PHC string (argon2id), or `!` for an unusable password. */
  password: string;
  email: string;
  first_name: string;
  last_name: string;
  is_active: number;
  is_staff: number;
  is_superuser: number;
  last_login: number | null;
  date_joined: number;
  role: string;
  /** A JSON array of strings. */
  permissions: string;
}

/** One login: the family every refresh token of that login descends from. */
export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: number;
  last_used_at: number;
  revoked_at: number | null;
  revoke_reason: RevokeReason | null;
  ip: string;
  user_agent: string;
  /** The RFC 7638 thumbprint of the DPoP key the session is bound to; null when unbound. */
  dpop_jkt: string | null;
}

/** DPoP proofs seen, until they would expire: SHA-256 of the key's thumbprint and the proof's `jti`, hex. */
export interface DpopProofsTable {
  id: string;
  expires_at: number;
}

/** Refresh tokens by id only: never their text. */
export interface RefreshTokensTable {
  jti: string;
  session_id: string;
  parent_jti: string | null;
  issued_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Append-only: what changed, for instances that cached it. */
export interface RevocationsTable {
  id: Generated<number>;
  /**
   * `session`: one session ended; `user`: the user changed or all their
   * sessions ended; `key`: a signing key was revoked; `keys`: the key set changed.
   */
  kind: RevocationKind;
  /** A session id, a user id as text, or a key's kid. */
  target: string;
  at: number;
}

/**
 * At most one row (`id` 1): the highest revocation id pruning deleted,
 * written in the pruning's transaction. No row means nothing was pruned.
 * Not the smallest id left: PostgreSQL's sequences skip the ids of
 * rolled-back inserts, so a gap says nothing about what was pruned.
 */
export interface RevocationsPrunedTable {
  id: number;
  through: number;
}

/** Services that may read the revocation feed: a hash of each secret, never the secret. */
export interface ServicesTable {
  name: string;
  /** SHA-256 of the secret, lowercase hex. */
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
}

/** Security events, each written in the transaction of the change it records. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  event: AuditEvent;
  user_id: number | null;
  username: string;
  session_id: string | null;
  ip: string;
  user_agent: string;
  /** A JSON object of strings, numbers and booleans. */
  details: string;
}

/** Signing keys: public halves as JWK JSON, private halves sealed; none for HS256. */
export interface SigningKeysTable {
  kid: string;
  algorithm: SigningAlgorithm;
  public_jwk: string | null;
  private_key: string | null;
  state: SigningKeyState;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  revoked_at: number | null;
}
