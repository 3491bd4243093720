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
  /** Whether `email` was verified (see `TESSERA_EMAIL_VERIFICATION`). */
  emailVerified: boolean;
  /** A new address waiting for its verification; empty when none. */
  pendingEmail: string;
}

/** A user with the password hash, which only logins, password changes and the CLI read. */
export interface UserRecord extends SessionUser {
  passwordHash: string;
}

export type NewUser = Omit<UserRecord, 'id' | 'lastLogin' | 'emailVerified' | 'pendingEmail'> & {
  /** False unless given: the address has not been verified. */
  emailVerified?: boolean;
};

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
  /** A new address to verify before it replaces `email`; `''` withdraws one. */
  pendingEmail?: string | undefined;
  /** Set with `email` when the address is changed without verification. */
  emailVerified?: boolean | undefined;
}

/**
 * What an administrator may change about a user; absent fields stay as they
 * are. A change to `isStaff`, `isSuperuser`, `role` or `permissions` ends the
 * user's sessions (their tokens carry the old claims); deactivating does too.
 */
export interface UserChanges extends ProfileChanges {
  isActive?: boolean | undefined;
  isStaff?: boolean | undefined;
  isSuperuser?: boolean | undefined;
  role?: string | undefined;
  permissions?: readonly string[] | undefined;
}

/**
 * Which users to list, by id: keyset paging, so that the thousandth page
 * costs what the first does. `after` pages forward, `before` backward; the
 * users come in ascending id either way.
 */
export interface UserSearch {
  /** A case-insensitive substring of the username, email, first or last name. */
  search?: string | undefined;
  isActive?: boolean | undefined;
  isStaff?: boolean | undefined;
  isSuperuser?: boolean | undefined;
  emailVerified?: boolean | undefined;
  role?: string | undefined;
  after?: number | undefined;
  before?: number | undefined;
  limit: number;
  /** Matches counted at most: past it, `count` stops and `countExact` is false. 10,000 unless said. */
  countLimit?: number | undefined;
}

/** A page of users, and whether more match beyond it in the direction read. */
export interface UserPage {
  /** How many users match the filters, on every page, up to the search's `countLimit`. */
  count: number;
  /** False when more users match than were counted. */
  countExact: boolean;
  users: UserRecord[];
  /** Whether users past the page's end (forward) or before its start (backward) match. */
  more: boolean;
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

/** What `tessera import django` brings into the store, in one transaction. */
export interface DjangoImport {
  /** Django's users with their ids, hashes as Django wrote them. */
  users: readonly UserRecord[];
  /** SimpleJWT's blacklisted refresh tokens, by jti, with their expiry (milliseconds); ones already known are kept. */
  blacklist?: ReadonlyArray<{ jti: string; expiresAt: number }>;
  /** DRF `Token` keys, by a SHA-256 of each (lowercase hex); ones already known are kept. */
  drfTokens?: ReadonlyArray<{ keyHash: string; userId: number; createdAt: number }>;
}

/** What an import did. */
export interface DjangoImportResult {
  users: ImportedUserOutcome[];
  /** Blacklist entries new to tessera. */
  blacklistAdded: number;
  /** DRF keys new to tessera. */
  drfTokensAdded: number;
}

/**
 * What the import did to one user: `imported` (new), `updated` (something
 * changed in Django since the last import), `unchanged`.
 */
export interface ImportedUserOutcome {
  id: number;
  username: string;
  kind: 'imported' | 'updated' | 'unchanged';
  /** The password was changed in tessera since the last import (a new one, or upgraded at a login): it stays. */
  passwordKept: boolean;
  /** Django's hash differs from the one the last import brought. */
  djangoPasswordChanged: boolean;
}

/** The import would take an id or a username a tessera user already has: nothing was written. */
export class ImportCollisionError extends Error {
  override name = 'ImportCollisionError';
  constructor(readonly collisions: readonly string[]) {
    super(
      `the import collides with existing tessera users (nothing was imported): ${collisions.join('; ')}. ` +
        'Import into a new tessera database, or remove those users first.',
    );
  }
}

/**
 * What a message of the outbox is: `password_reset` is a request for an
 * address (the accounts are looked up when it is sent, so that the request
 * costs the same whoever the address belongs to); `password_reset_done`
 * tells a user their password was reset; `verify_email` asks a user
 * (`payload.userId`) to verify the address it is sent to, and
 * `verify_email_resend` asks every account awaiting verification of an
 * address again (looked up when sent, as a reset); `email_change_notice`
 * tells the old address that the account's address is changing.
 */
export type MailKind =
  'password_reset' | 'password_reset_done' | 'verify_email' | 'verify_email_resend' | 'email_change_notice';

/** `dropped`: nothing to send (a reset requested for an address no active account has). */
export type MailStatus = 'pending' | 'sent' | 'failed' | 'dropped';

/** A message to commit with the change that causes it. */
export interface NewMail {
  kind: MailKind;
  recipient: string;
  /** What the message says; never a secret (see {@link MailOutboxTable}). */
  payload: Readonly<Record<string, string | number>>;
  createdAt: number;
}

export interface MailRecord extends NewMail {
  id: number;
  status: MailStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  sentAt: number | null;
}

/** A password reset token as stored: its hash, never its text. */
export interface PasswordResetRecord {
  tokenHash: string;
  userId: number;
  /** See {@link resetBinding}: the password hash and address it was issued for. */
  binding: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/** A reset to apply: the token is claimed and the password replaced only if both are as read. */
export interface CompletePasswordReset {
  tokenHash: string;
  userId: number;
  /** The password hash the token was checked against; a change since refuses the reset. */
  fromPasswordHash: string;
  toPasswordHash: string;
  now: number;
  /** The notice to the user, committed with the reset. */
  notice: NewMail;
}

/** An e-mail verification token as stored: its hash, never its text. */
export interface EmailVerificationRecord {
  tokenHash: string;
  userId: number;
  /** The address it verifies. */
  email: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/** A unique username was taken. */
export class DuplicateUsernameError extends Error {
  override name = 'DuplicateUsernameError';
  constructor(readonly username: string) {
    super(`A user with username "${username}" already exists.`);
  }
}

/** The change would leave no active superuser; nothing was changed. */
export class LastSuperuserError extends Error {
  override name = 'LastSuperuserError';
  constructor(readonly userId: number) {
    super(`User ${userId} is the last active superuser.`);
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
  /** `mail` is committed with the user; its `payload.userId` is filled in with the new id. */
  createUser(user: NewUser, audit?: AuditEntry, mail?: readonly NewMail[]): Promise<UserRecord>;
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
  /** Applies `changes` and commits `mail` with them; the user as stored afterwards, undefined when there is no such user. */
  updateProfile(
    userId: number,
    changes: ProfileChanges,
    now: number,
    audit?: AuditEntry,
    mail?: readonly NewMail[],
  ): Promise<UserRecord | undefined>;
  /** Marks the user's address verified or not; false when there is no such user. */
  setEmailVerified(userId: number, verified: boolean, now: number, audit?: AuditEntry): Promise<boolean>;
  /** Deactivating also revokes every session of the user. */
  setActive(userId: number, active: boolean, now: number, audit?: AuditEntry): Promise<void>;
  /**
   * Applies an administrator's `changes` in one transaction, ending the
   * user's sessions when their standing or claims change (see {@link UserChanges}).
   * @returns the user as stored afterwards, undefined when there is no such user.
   * @throws {LastSuperuserError} when it would deactivate or demote the last active superuser.
   */
  updateUser(userId: number, changes: UserChanges, now: number, audit?: AuditEntry): Promise<UserRecord | undefined>;
  /**
   * Deletes the user and revokes every session; the sessions stay until they expire.
   * @returns false when there was no such user (and `audit` is not recorded).
   * @throws {LastSuperuserError} when the user is the last active superuser.
   */
  deleteUser(userId: number, now: number, audit?: AuditEntry): Promise<boolean>;
  /** The users `query` selects, by id (see {@link UserSearch}). */
  searchUsers(query: UserSearch): Promise<UserPage>;

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
   * raising the log's `prunedThrough` in the same transaction; mail sent over a
   * week ago, reset and verification tokens past expiry, and DPoP proofs past expiry.
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
  /**
   * Brings users from Django in one transaction, keeping their ids: new ones
   * are inserted, ones imported before are updated, except a password
   * changed in tessera since. With `dryRun`, everything is rolled back and
   * the outcomes say what would have happened.
   * @throws {ImportCollisionError} when an id or username is a tessera user's that no import brought.
   */
  importDjango(
    input: DjangoImport,
    now: number,
    options: { dryRun: boolean },
    audit?: (outcomes: readonly ImportedUserOutcome[]) => AuditEntry,
  ): Promise<DjangoImportResult>;
  /** Whether the imported SimpleJWT blacklist lists `jti`. */
  isSimplejwtBlacklisted(jti: string): Promise<boolean>;
  /** Lists `jti` in the SimpleJWT blacklist until `expiresAt` (a logout with a SimpleJWT token); idempotent. */
  blacklistSimplejwt(jti: string, expiresAt: number): Promise<void>;
  /**
   * Starts a session whose first refresh token is a SimpleJWT one, by its
   * jti, presented during a cutover (it is then rotated as any other).
   * False, writing nothing, when a token with that jti is already recorded:
   * the legacy token was presented before.
   */
  adoptLegacyRefreshToken(input: Omit<StartSession, 'passwordUpgrade'>, audit?: AuditEntry): Promise<boolean>;
  /** The owner of the DRF key whose SHA-256 is `keyHash`; undefined when no such key (or its user is gone). */
  findDrfTokenUser(keyHash: string): Promise<SessionUser | undefined>;
  /** Deletes every DRF key; returns how many there were. */
  revokeDrfTokens(audit?: AuditEntry): Promise<number>;
  /** Commits `mail` to the outbox (with `audit`, if given). */
  enqueueMail(mail: NewMail, audit?: AuditEntry): Promise<void>;
  /**
   * Claims up to `limit` pending messages due at `now`, oldest first: each
   * claimed one has its attempts counted and is not due again until
   * `now + leaseMs`, so of several instances exactly one sends it, and one
   * that dies while sending leaves it to another once the lease lapses.
   */
  claimDueMail(now: number, leaseMs: number, limit: number): Promise<MailRecord[]>;
  /** Records the end of a claimed message: sent, or nothing to send. */
  finishMail(id: number, status: 'sent' | 'dropped', now: number): Promise<void>;
  /** Records a failed attempt: due again at `nextAttemptAt`, or `failed` for good when `giveUp`. */
  retryMail(id: number, error: string, nextAttemptAt: number, giveUp: boolean): Promise<void>;
  /** Messages in `statuses`, oldest first, at most `limit`. */
  listMail(statuses: readonly MailStatus[], limit: number): Promise<MailRecord[]>;
  /** Makes every failed message pending again, due at `now`; returns how many. */
  requeueFailedMail(now: number): Promise<number>;

  /** The active users whose address is `email`, compared case-insensitively, by id. */
  findActiveUsersByEmail(email: string): Promise<UserRecord[]>;
  /** Records a reset token (with `audit`: `password_reset_requested`). */
  issuePasswordReset(reset: Omit<PasswordResetRecord, 'usedAt'>, audit?: AuditEntry): Promise<void>;
  findPasswordReset(tokenHash: string): Promise<PasswordResetRecord | undefined>;
  /**
   * In one transaction: claims the unused token, replaces the password if
   * it is still `fromPasswordHash`, ends every session of the user, and
   * commits the notice and `audit`. False, changing nothing, when the token
   * was used or the password changed meanwhile.
   */
  completePasswordReset(reset: CompletePasswordReset, audit?: AuditEntry): Promise<boolean>;

  /** The active users awaiting verification of `email` (as their pending address, or their unverified one). */
  findUsersAwaitingVerification(email: string): Promise<UserRecord[]>;
  /** Records a verification token (with `audit`, if given). */
  issueEmailVerification(verification: Omit<EmailVerificationRecord, 'usedAt'>, audit?: AuditEntry): Promise<void>;
  findEmailVerification(tokenHash: string): Promise<EmailVerificationRecord | undefined>;
  /**
   * In one transaction: claims the unused token and makes its address the
   * user's verified `email` (clearing `pending_email`), if the address is
   * still the one awaiting verification. Returns the user's id; undefined,
   * changing nothing, when the token was used or the address changed.
   */
  completeEmailVerification(tokenHash: string, now: number, audit?: AuditEntry): Promise<number | undefined>;

  /** Resolves when the database answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
