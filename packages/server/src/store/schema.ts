import type { Generated } from 'kysely';
import type { SigningAlgorithm } from '@tessera/protocol';
import type { AuditEvent, MailKind, MailStatus, RevocationKind, RevokeReason, SigningKeyState } from './types.js';

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
  django_imported_users: DjangoImportedUsersTable;
  simplejwt_blacklist: SimplejwtBlacklistTable;
  drf_tokens: DrfTokensTable;
  mail_outbox: MailOutboxTable;
  password_resets: PasswordResetsTable;
  email_verifications: EmailVerificationsTable;
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
  /** 1 once the address in `email` was verified (or an administrator said so). */
  email_verified: Generated<number>;
  /** A new address waiting for its verification; `email` stays the old one until then. Empty when none. */
  pending_email: Generated<string>;
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

/** Users `tessera import django` brought in: the Django hash last imported, to keep a password changed since. */
export interface DjangoImportedUsersTable {
  user_id: number;
  password: string;
  imported_at: number;
}

/** SimpleJWT's blacklisted refresh tokens, by jti, until they expire: refused during a cutover. */
export interface SimplejwtBlacklistTable {
  jti: string;
  expires_at: number;
}

/** DRF `Token` keys brought by the import, accepted with `TESSERA_LEGACY_DRF_TOKENS=on`. */
export interface DrfTokensTable {
  /** SHA-256 of the key, lowercase hex. */
  key_hash: string;
  user_id: number;
  created_at: number;
}

/**
 * Mail to send, committed with the change that causes it. No secret is kept
 * here: a message that carries one (a reset link) makes it when it is sent.
 */
export interface MailOutboxTable {
  id: Generated<number>;
  kind: MailKind;
  recipient: string;
  /** A JSON object of strings and numbers: what the message says, never a secret. */
  payload: string;
  created_at: number;
  status: MailStatus;
  /** Sending attempts begun, including one in progress. */
  attempts: number;
  /** When it may next be tried; while an attempt runs, when its claim lapses. */
  next_attempt_at: number;
  last_error: string | null;
  sent_at: number | null;
}

/** Password reset tokens by SHA-256 only, each bound to the password and address it was issued for. */
export interface PasswordResetsTable {
  token_hash: string;
  user_id: number;
  /** SHA-256 of the user's password hash and e-mail at issue: a change to either kills the token. */
  binding: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** E-mail verification tokens by SHA-256 only, each for the one address it was mailed to. */
export interface EmailVerificationsTable {
  token_hash: string;
  user_id: number;
  /** The address the token verifies: the user's `pending_email`, or their unverified `email`. */
  email: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}
