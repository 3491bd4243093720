import type { SigningAlgorithm } from '@tessera/protocol';
import type { AuditEvent } from '../auth/events.js';

/**
 * A user as a request sees one: everything but the password hash. Sessions
 * and refresh tokens are read with this, so the session cache never holds a hash.
 */
export interface SessionUser {
  id: number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  lastLogin: number | null;
  dateJoined: number;
  role: string;
  permissions: string[];
}

/** A user with the password hash, which only logins, password changes and the CLI read. */
export interface UserRecord extends SessionUser {
  passwordHash: string;
}

export type NewUser = Omit<UserRecord, 'id' | 'lastLogin'>;

/** What a refresh presents: one refresh token, its session and its owner. */
export interface RefreshTokenState {
  jti: string;
  sessionId: string;
  userId: number;
  usedAt: number | null;
  sessionCreatedAt: number;
  sessionRevokedAt: number | null;
  sessionRevokeReason: RevokeReason | null;
  /** The DPoP key thumbprint the session is bound to; null when unbound. */
  sessionDpopJkt: string | null;
  /** The session's user, read with the token (a refresh needs both); undefined once deleted. */
  user: SessionUser | undefined;
}

/** A session as its owner or an administrator sees it. */
export interface SessionSummary {
  id: string;
  createdAt: number;
  lastUsedAt: number;
  ip: string;
  userAgent: string;
  revokedAt: number | null;
  revokeReason: RevokeReason | null;
  /** The DPoP key thumbprint the session is bound to; null when unbound. */
  dpopJkt: string | null;
}

/** What a protected request checks: the token's session and its user. */
export interface SessionState {
  sessionId: string;
  userId: number;
  revokedAt: number | null;
  revokeReason: RevokeReason | null;
  /** Undefined when the user has been deleted. */
  user: SessionUser | undefined;
}

/** A refresh token to record. */
export interface RefreshTokenRow {
  jti: string;
  issuedAt: number;
  expiresAt: number;
}

export interface StartSession {
  sessionId: string;
  userId: number;
  now: number;
  ip: string;
  userAgent: string;
  token: RefreshTokenRow;
  /** Binds the session to this DPoP key thumbprint: its refreshes then need a proof by that key. */
  dpopJkt?: string | undefined;
  /**
   * A new hash for the password just verified (a Django hash rewritten as
   * argon2id), written only if the stored hash is still `from`: a password
   * changed meanwhile is kept.
   */
  passwordUpgrade?: { from: string; to: string } | undefined;
}

export interface RotateRefreshToken {
  jti: string;
  successor: RefreshTokenRow;
  now: number;
}

/**
 * `rotated` is the only success: the token was unused, its session live.
 * `already_used` tells when the winning rotation happened.
 */
export type RotationOutcome =
  { kind: 'rotated' } | { kind: 'already_used'; usedAt: number } | { kind: 'session_revoked' } | { kind: 'unknown' };

export type RevokeReason =
  | 'logout'
  | 'revoke_all'
  | 'revoke_others'
  | 'password_changed'
  | 'token_reuse'
  | 'deactivated'
  | 'user_deleted'
  | 'admin';

/** The profile fields a user may change; absent ones stay as they are. */
export interface ProfileChanges {
  firstName?: string | undefined;
  lastName?: string | undefined;
  email?: string | undefined;
}

/** Reasons that say the account itself is gone or disabled, not just the session. */
export const ACCOUNT_REVOKE_REASONS: ReadonlySet<RevokeReason | null> = new Set(['deactivated', 'user_deleted']);

/** What a log entry names; the revocation feed's kinds (see `RevocationFeedKind` in @tessera/protocol). */
export type RevocationKind = 'session' | 'user' | 'key' | 'keys';

/** One entry of the revocation log: what an instance must stop trusting. */
export interface RevocationEvent {
  id: number;
  kind: RevocationKind;
  /** The session id, the user id as a decimal string, or a signing key's kid. */
  target: string;
  /** When, in milliseconds since the epoch. */
  at: number;
}

/** Where the revocation log stands: what it still holds and its newest entry. */
export interface RevocationLogBounds {
  /**
   * The highest id pruning has deleted (0 before any): the log holds every
   * entry after it, so a reader whose cursor is below it has missed entries.
   */
  prunedThrough: number;
  /** The newest id ever written as far as the log can tell: its newest entry, or `prunedThrough` when it is empty. */
  latest: number;
}

/**
 * A service allowed to read the revocation feed. Only a hash of its secret
 * is kept; a revoked service keeps its row (for `tessera services list`)
 * until its name is created again.
 */
export interface ServiceRecord {
  /** Lowercase letters, digits, `-`, `_` and `.`, starting with a letter or digit; 1 to 64 characters. */
  name: string;
  /** SHA-256 of the secret, lowercase hex. */
  secretHash: string;
  createdAt: number;
  revokedAt: number | null;
}

/** The audit log's events are listed with every security event, in the domain layer. */
export type { AuditEvent } from '../auth/events.js';

/**
 * One audit log entry. Text is stored as given: the caller escapes control
 * characters, and never passes a password or a token.
 */
export interface AuditEntry {
  at: number;
  event: AuditEvent;
  /** The user concerned, when there is one. */
  userId: number | null;
  /** As given at the time (a failed login's attempted name, too); empty when unknown. */
  username: string;
  sessionId: string | null;
  ip: string;
  userAgent: string;
  details: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditRecord extends AuditEntry {
  id: number;
}

/** Which entries to read, newest first. */
export interface AuditQuery {
  /** Entries about this user: by id, or by the username recorded. */
  user?: { id: number | undefined; username: string };
  event?: AuditEvent;
  /** Milliseconds since the epoch, inclusive. */
  since?: number;
  /** Milliseconds since the epoch, exclusive. */
  until?: number;
  offset: number;
  limit: number;
}

/**
 * A signing key's life: `next` is published before it ever signs, `current`
 * signs, `retired` is still accepted (and published) until every token it
 * signed has expired, `revoked` is refused at once.
 */
export type SigningKeyState = 'next' | 'current' | 'retired' | 'revoked';

/**
 * A signing key as stored. HS256 keys hold no material (theirs is
 * `TESSERA_SECRET_KEY`); an asymmetric key's private half is sealed (see
 * keys/seal.ts), never stored in clear.
 */
export interface SigningKeyRecord {
  /** The RFC 7638 thumbprint of the public key; random for HS256. */
  kid: string;
  algorithm: SigningAlgorithm;
  /** The public JWK as JSON (kty, crv/x/y or n/e, kid, alg, use); null for HS256. */
  publicJwk: string | null;
  /** The sealed private key (`v1.…`); null for HS256. */
  privateKey: string | null;
  state: SigningKeyState;
  createdAt: number;
  /** When it became current. */
  activatedAt: number | null;
  retiredAt: number | null;
  revokedAt: number | null;
}

/** One state change of a key: it must be in `from`, or the whole change is refused. `deleted` drops the row. */
export interface SigningKeyTransition {
  kid: string;
  from: SigningKeyState;
  to: Exclude<SigningKeyState, 'next'> | 'deleted';
}

/** A change to the key set, made whole or not at all, and logged for every instance. */
export interface SigningKeyChange {
  transitions: readonly SigningKeyTransition[];
  /** A key to add (state `next` or `current`); at most one of each state exists. */
  add?: SigningKeyRecord | undefined;
  now: number;
  /** `key`: a key was revoked (`target` its kid); `keys`: the set changed. */
  log: { kind: 'key' | 'keys'; target: string };
}

/** A unique username was taken. */
export class DuplicateUsernameError extends Error {
  override name = 'DuplicateUsernameError';
  constructor(readonly username: string) {
    super(`A user with username "${username}" already exists.`);
  }
}

/** A live service already has the name. */
export class DuplicateServiceError extends Error {
  override name = 'DuplicateServiceError';
  constructor(readonly serviceName: string) {
    super(`A service named "${serviceName}" already exists.`);
  }
}

/**
 * The narrow storage interface every backend implements and one contract
 * suite checks. Rotation is a single conditional write: of any number of
 * concurrent calls for one token, exactly one returns `rotated`. Every change
 * to a session's or user's standing appends to the revocation log in the same
 * transaction.
 */
export interface Store {
  createUser(user: NewUser, audit?: AuditEntry): Promise<UserRecord>;
  findUserById(id: number): Promise<UserRecord | undefined>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** Replaces the password hash and revokes every session of the user but `keepSession`. */
  setPassword(
    userId: number,
    passwordHash: string,
    now: number,
    keepSession?: string,
    audit?: AuditEntry,
  ): Promise<void>;
  /** Applies `changes`; the user as stored afterwards, undefined when there is no such user. */
  updateProfile(
    userId: number,
    changes: ProfileChanges,
    now: number,
    audit?: AuditEntry,
  ): Promise<UserRecord | undefined>;
  /** Deactivating also revokes every session of the user. */
  setActive(userId: number, active: boolean, now: number, audit?: AuditEntry): Promise<void>;
  /** Deletes the user and revokes every session; the sessions stay until they expire. */
  deleteUser(userId: number, now: number): Promise<void>;

  /** Records a login: a new session, its first refresh token, and `last_login`. */
  startSession(input: StartSession, audit?: AuditEntry): Promise<void>;
  findRefreshToken(jti: string): Promise<RefreshTokenState | undefined>;
  /** `audit` is recorded only when the rotation happens. */
  rotateRefreshToken(input: RotateRefreshToken, audit?: AuditEntry): Promise<RotationOutcome>;
  findSession(sessionId: string): Promise<SessionState | undefined>;
  /** The user's sessions, newest first; with `includeRevoked`, ended ones too. */
  listSessions(userId: number, options?: { includeRevoked?: boolean }): Promise<SessionSummary[]>;
  /** Idempotent: a revoked session keeps its first revocation time. */
  revokeSession(sessionId: string, now: number, reason: RevokeReason, audit?: AuditEntry): Promise<void>;
  /**
   * Whether the user has a session on record (live, or ended and not yet
   * pruned) that was started from `ip`: a sign that a login from there is theirs.
   */
  hasSessionFrom(userId: number, ip: string): Promise<boolean>;
  /** Whether any user's password hash is neither tessera's argon2id nor unusable: one imported from Django. */
  hasLegacyPasswordHashes(): Promise<boolean>;
  /** Revokes every live session of the user but `keepSession`; returns how many. */
  revokeUserSessions(
    userId: number,
    now: number,
    reason: RevokeReason,
    keepSession?: string,
    audit?: AuditEntry,
  ): Promise<number>;
  /**
   * Deletes refresh tokens past expiry, `batchSize` rows a statement, and
   * sessions left with none; and revocation log entries older than an hour,
   * raising the log's `prunedThrough` in the same transaction; and DPoP proofs past expiry.
   */
  deleteExpired(now: number, batchSize?: number): Promise<{ tokens: number; sessions: number }>;

  /**
   * Records a DPoP proof as seen until `expiresAt`; false when it already
   * was (a replay). Atomic across instances.
   */
  rememberDpopProof(id: string, expiresAt: number): Promise<boolean>;

  /** Records an event that changes nothing else (a failed login, say). */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Deletes entries older than `before`, `batchSize` rows a statement; returns how many. */
  deleteAuditBefore(before: number, batchSize?: number): Promise<number>;
  /** The entries `query` selects, newest first, and how many there are in all. */
  listAudit(query: AuditQuery): Promise<{ count: number; records: AuditRecord[] }>;

  /** Every signing key, oldest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /**
   * Applies `change` in one transaction: each transition only if its key is
   * still in `from` (compare-and-set), the new key only if no other key holds
   * its state, and a revocation log entry. Of two instances making
   * conflicting changes at once exactly one gets true; the other changes nothing.
   */
  changeSigningKeys(change: SigningKeyChange): Promise<boolean>;
  /** Whether any session is on record: tokens without a `kid` may be out there. */
  hasSessions(): Promise<boolean>;

  /** Log entries after `afterId`, oldest first, at most `limit`. */
  readRevocations(afterId: number, limit: number): Promise<RevocationEvent[]>;
  /** The newest log entry's id, 0 when the log is empty. */
  latestRevocationId(): Promise<number>;
  /** What the log still holds (see {@link RevocationLogBounds}); read after the entries, it tells whether a read missed any. */
  revocationLogBounds(): Promise<RevocationLogBounds>;
  /**
   * The cursor just before the first entry written at or after `atMs`: where
   * a reader that must know everything since then starts. The watermark when
   * every entry left is that recent.
   */
  revocationCursorAt(atMs: number): Promise<number>;

  /**
   * Records a service that may read the revocation feed. A revoked service's
   * name may be taken again (its old row is replaced).
   * @throws {DuplicateServiceError} when a live service has the name.
   */
  createService(name: string, secretHash: string, now: number, audit?: AuditEntry): Promise<ServiceRecord>;
  /** The service with that name, live or revoked. */
  findService(name: string): Promise<ServiceRecord | undefined>;
  /** Every service, live and revoked, by name. */
  listServices(): Promise<ServiceRecord[]>;
  /** Revokes a live service; false when there is no live service of that name (and `audit` is not recorded). */
  revokeService(name: string, now: number, audit?: AuditEntry): Promise<boolean>;
  /** Resolves when the database answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
