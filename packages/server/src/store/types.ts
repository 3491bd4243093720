/** A user as the rest of tessera sees one. */
export interface UserRecord {
  id: number;
  username: string;
  passwordHash: string;
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
}

/** What a protected request checks: the token's session and its user. */
export interface SessionState {
  sessionId: string;
  userId: number;
  revokedAt: number | null;
  revokeReason: RevokeReason | null;
  /** Undefined when the user has been deleted. */
  user: UserRecord | undefined;
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

export type RevocationKind = 'session' | 'user';

/** One entry of the revocation log: what an instance must stop trusting. */
export interface RevocationEvent {
  id: number;
  kind: RevocationKind;
  /** The session id, or the user id as a decimal string. */
  target: string;
}

/** A unique username was taken. */
export class DuplicateUsernameError extends Error {
  override name = 'DuplicateUsernameError';
  constructor(readonly username: string) {
    super(`A user with username "${username}" already exists.`);
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
  createUser(user: NewUser): Promise<UserRecord>;
  findUserById(id: number): Promise<UserRecord | undefined>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** Replaces the password hash and revokes every session of the user but `keepSession`. */
  setPassword(userId: number, passwordHash: string, now: number, keepSession?: string): Promise<void>;
  /** Applies `changes`; the user as stored afterwards, undefined when there is no such user. */
  updateProfile(userId: number, changes: ProfileChanges, now: number): Promise<UserRecord | undefined>;
  /** Deactivating also revokes every session of the user. */
  setActive(userId: number, active: boolean, now: number): Promise<void>;
  /** Deletes the user and revokes every session; the sessions stay until they expire. */
  deleteUser(userId: number, now: number): Promise<void>;

  /** Records a login: a new session, its first refresh token, and `last_login`. */
  startSession(input: StartSession): Promise<void>;
  findRefreshToken(jti: string): Promise<RefreshTokenState | undefined>;
  rotateRefreshToken(input: RotateRefreshToken): Promise<RotationOutcome>;
  findSession(sessionId: string): Promise<SessionState | undefined>;
  /** The user's sessions, newest first; with `includeRevoked`, ended ones too. */
  listSessions(userId: number, options?: { includeRevoked?: boolean }): Promise<SessionSummary[]>;
  /** Idempotent: a revoked session keeps its first revocation time. */
  revokeSession(sessionId: string, now: number, reason: RevokeReason): Promise<void>;
  /** Revokes every live session of the user but `keepSession`; returns how many. */
  revokeUserSessions(userId: number, now: number, reason: RevokeReason, keepSession?: string): Promise<number>;
  /** Deletes refresh tokens past expiry, `batchSize` rows a statement, and sessions left with none. */
  deleteExpired(now: number, batchSize?: number): Promise<{ tokens: number; sessions: number }>;

  /** Log entries after `afterId`, oldest first, at most `limit`. */
  readRevocations(afterId: number, limit: number): Promise<RevocationEvent[]>;
  /** The newest log entry's id, 0 when the log is empty. */
  latestRevocationId(): Promise<number>;
  /** Resolves when the database answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
