import { sql, type Kysely, type Updateable } from 'kysely';
import { dpopProofStore } from './dpop-proofs.js';
import { createGroupCommit } from './group-commit.js';
import { djangoImportStore } from './django-import.js';
import { legacyTokenStore } from './legacy-tokens.js';
import { hotQueries } from './hot-queries.js';
import { deleteAuditBefore, listAudit } from './kysely-audit.js';
import { emailVerificationStore } from './email-verifications.js';
import { insertMail, mailOutboxStore, pruneMail } from './mail-outbox.js';
import { passwordResetStore } from './password-resets.js';
import { pruneRevocations, revocationLog } from './revocation-log.js';
import { serviceStore } from './services.js';
import { nullableNumber, toSessionUser, toUserColumns, toUserRecord, type SessionUserRow } from './rows.js';
import type { Database, UsersTable } from './schema.js';
import { signingKeyQueries } from './signing-keys.js';
import { userAdminStore } from './user-admin.js';
import {
  DuplicateUsernameError,
  type AuditEntry,
  type NewUser,
  type RefreshTokenState,
  type RevocationKind,
  type RevokeReason,
  type RotateRefreshToken,
  type RotationOutcome,
  type SessionState,
  type StartSession,
  type Store,
} from './types.js';

type RotationJob = RotateRefreshToken & { audit: AuditEntry | undefined };

/**
 * The jobs' indexes in the order of their tokens' ids (a token's presentations
 * in the order given). Batches in flight at once, on one instance or several,
 * then lock the tokens they claim in one global order, so that two batches
 * each presenting two tokens the other also presents wait for one another
 * rather than deadlock (PostgreSQL would abort one after a second).
 */
function inLockOrder(jobs: readonly RotationJob[]): number[] {
  return jobs
    .map((_, i) => i)
    .sort((a, b) => (jobs[a]!.jti < jobs[b]!.jti ? -1 : jobs[a]!.jti > jobs[b]!.jti ? 1 : a - b));
}

/** How long the revocation log keeps an entry: far longer than any instance's polling lag. */
const REVOCATION_LOG_RETENTION_MS = 60 * 60 * 1000;

/** Rows deleted per statement when pruning, unless told otherwise. */
const PRUNE_BATCH = 5000;

/**
 * The {@link Store} over Kysely, written once for every dialect. `isUniqueViolation`
 * recognises the driver's duplicate-key error. `orderRevocationLog`, run in
 * a transaction just before it appends to the revocation log, must make the
 * log's ids commit in order (see `revocationLogLock` in postgres.ts); SQLite's
 * single writer needs nothing. `lockSuperusers` likewise serialises changes
 * that could remove the last active superuser (see user-admin.ts).
 * `afterExplicitUserIds` runs after users were inserted with ids of their
 * own (PostgreSQL moves its sequence past them).
 */
/** What a dialect adds to the shared store (PostgreSQL's locks and sequence); see {@link createKyselyStore}. */
export interface DialectHooks {
  orderRevocationLog?: (executor: Kysely<Database>) => Promise<void>;
  lockSuperusers?: (executor: Kysely<Database>) => Promise<void>;
  afterExplicitUserIds?: (executor: Kysely<Database>) => Promise<void>;
  /**
   * A rotation's writes as one statement: answers the claimed token's
   * session id, or undefined (and writes nothing) when the claim failed.
   * A batch of one then runs without BEGIN and COMMIT. Without it, the
   * rotation is four statements (SQLite, in-process, pays nothing for them).
   */
  rotateInOneStatement?: (
    executor: Kysely<Database>,
    job: RotateRefreshToken,
    audit: AuditEntry | undefined,
  ) => Promise<string | undefined>;
  /** A login's writes as one statement, so without BEGIN and COMMIT. */
  startSessionInOneStatement?: (
    executor: Kysely<Database>,
    input: StartSession,
    audit: AuditEntry | undefined,
  ) => Promise<void>;
  /** Rotation batches in flight at once: 1 (SQLite has one writer), or one per spare pool connection. */
  rotationBatchesInFlight?: number;
}

export function createKyselyStore(
  db: Kysely<Database>,
  isUniqueViolation: (error: unknown) => boolean,
  close: () => Promise<void>,
  dialectHooks: DialectHooks = {},
): Store {
  const { orderRevocationLog, lockSuperusers, afterExplicitUserIds, rotateInOneStatement, startSessionInOneStatement } =
    dialectHooks;
  const hot = hotQueries(db);
  const dpopProofs = dpopProofStore(db);
  /** Writes `entry`, if any, with `executor`: pass the transaction of the change it records. */
  const insertAudit = async (executor: Kysely<Database>, entry: AuditEntry | undefined) => {
    if (entry !== undefined) await hot.insertAudit.run(executor, { ...entry, details: JSON.stringify(entry.details) });
  };
  /**
   * Appends to the revocation log; the last write of its transaction that
   * takes a lock, so that it holds the log's order lock only until the commit.
   */
  const appendRevocation = async (executor: Kysely<Database>, kind: RevocationKind, target: string, now: number) => {
    await appendRevocations(executor, [{ kind, target }], now);
  };
  const appendRevocations = async (
    executor: Kysely<Database>,
    entries: ReadonlyArray<{ kind: RevocationKind; target: string }>,
    now: number,
  ) => {
    await orderRevocationLog?.(executor);
    await executor
      .insertInto('revocations')
      .values(entries.map(({ kind, target }) => ({ kind, target, at: now })))
      .execute();
  };

  /**
   * Ends the user's live sessions and logs each one, then that the user
   * changed: services refuse exactly the sessions that ended (a `user` entry
   * only tells instances to read the user again). Run inside a transaction.
   */
  const revokeUserSessions = async (
    executor: Kysely<Database>,
    userId: number,
    now: number,
    reason: RevokeReason,
    keepSession?: string,
  ): Promise<number> => {
    let update = executor
      .updateTable('sessions')
      .set({ revoked_at: now, revoke_reason: reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (keepSession !== undefined) update = update.where('id', '!=', keepSession);
    const ended = await update.returning('id').execute();
    const sessions = ended.map(({ id }) => ({ kind: 'session' as const, target: id }));
    await appendRevocations(executor, [...sessions, { kind: 'user', target: String(userId) }], now);
    return ended.length;
  };

  /** Claims the token and writes the rest (successor, touch, audit) if that worked; answers the session claimed. */
  const claimAndWrite = async (trx: Kysely<Database>, job: RotationJob): Promise<string | undefined> => {
    const { jti, successor, now, audit } = job;
    if (rotateInOneStatement !== undefined) return rotateInOneStatement(trx, job, audit);
    const [claimed] = (await hot.claimRefreshToken.run(trx, { jti, now })).rows;
    if (claimed === undefined) return undefined;
    await hot.insertRefreshToken.run(trx, {
      jti: successor.jti,
      sessionId: claimed.session_id,
      parentJti: jti,
      issuedAt: successor.issuedAt,
      expiresAt: successor.expiresAt,
    });
    await hot.touchSession.run(trx, { id: claimed.session_id, now });
    await insertAudit(trx, audit);
    return claimed.session_id;
  };
  /** One rotation, inside the transaction `trx` it may share with others. */
  const rotate = async (trx: Kysely<Database>, job: RotationJob): Promise<RotationOutcome> => {
    if ((await claimAndWrite(trx, job)) !== undefined) return { kind: 'rotated' };
    // Why the claim failed, read in its transaction.
    const [row] = (await hot.refreshTokenState.run(trx, { jti: job.jti })).rows;
    if (row === undefined) return { kind: 'unknown' };
    if (row.revoked_at !== null || row.used_at === null) return { kind: 'session_revoked' };
    return { kind: 'already_used', usedAt: Number(row.used_at) };
  };
  const rotations = createGroupCommit<RotationJob, RotationOutcome>(
    async (jobs) => {
      // Even a lone rotation that is one statement runs between BEGIN and COMMIT: on its own it would commit
      // as soon as the database ran it, so a connection that then went silent would leave a rotation its
      // client never saw (answered 503), and the client's retry of the same token would read as reuse.
      return db.transaction().execute(async (trx) => {
        const outcomes: RotationOutcome[] = [];
        for (const i of inLockOrder(jobs)) outcomes[i] = await rotate(trx, jobs[i]!);
        return outcomes;
      });
    },
    undefined,
    dialectHooks.rotationBatchesInFlight,
  );

  return {
    async createUser(user: NewUser, audit, mail = []) {
      try {
        return await db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('users')
            .values({ ...toUserColumns(user), email_verified: user.emailVerified === true ? 1 : 0, pending_email: '' })
            .returningAll()
            .executeTakeFirstOrThrow();
          const created = toUserRecord(row);
          await insertAudit(trx, audit && { ...audit, userId: created.id });
          for (const message of mail)
            await insertMail(trx, { ...message, payload: { ...message.payload, userId: created.id } });
          return created;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateUsernameError(user.username);
        throw error;
      }
    },

    async findUserById(id) {
      const [row] = (await hot.userById.run(db, { id })).rows;
      return row && toUserRecord(row);
    },

    async findUserByUsername(username) {
      const [row] = (await hot.userByUsername.run(db, { username })).rows;
      return row && toUserRecord(row);
    },

    async listUsers() {
      const rows = await db.selectFrom('users').selectAll().orderBy('id').execute();
      return rows.map(toUserRecord);
    },

    async setPassword(userId, passwordHash, now, keepSession, audit) {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ password: passwordHash }).where('id', '=', userId).execute();
        await revokeUserSessions(trx, userId, now, 'password_changed', keepSession);
        await insertAudit(trx, audit);
      });
    },

    async updateProfile(userId, { firstName, lastName, email, pendingEmail, emailVerified }, now, audit, mail = []) {
      return db.transaction().execute(async (trx) => {
        const set: Updateable<UsersTable> = {};
        if (firstName !== undefined) set.first_name = firstName;
        if (lastName !== undefined) set.last_name = lastName;
        if (email !== undefined) set.email = email;
        if (pendingEmail !== undefined) set.pending_email = pendingEmail;
        if (emailVerified !== undefined) set.email_verified = emailVerified ? 1 : 0;
        if (Object.keys(set).length > 0) {
          const changed = await trx.updateTable('users').set(set).where('id', '=', userId).executeTakeFirst();
          if (Number(changed.numUpdatedRows) > 0) for (const message of mail) await insertMail(trx, message);
          // Instances cache users with their sessions: they must read the new fields.
          await appendRevocation(trx, 'user', String(userId), now);
          await insertAudit(trx, audit);
        }
        const row = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
        return row && toUserRecord(row);
      });
    },

    setEmailVerified: (userId, verified, now, audit) =>
      db.transaction().execute(async (trx) => {
        const changed = await trx
          .updateTable('users')
          .set({ email_verified: verified ? 1 : 0 })
          .where('id', '=', userId)
          .executeTakeFirst();
        if (Number(changed.numUpdatedRows) === 0) return false;
        await insertAudit(trx, audit);
        await appendRevocation(trx, 'user', String(userId), now);
        return true;
      }),

    async setActive(userId, active, now, audit) {
      await db.transaction().execute(async (trx) => {
        await insertAudit(trx, audit);
        await trx
          .updateTable('users')
          .set({ is_active: active ? 1 : 0 })
          .where('id', '=', userId)
          .execute();
        if (active) await appendRevocation(trx, 'user', String(userId), now);
        else await revokeUserSessions(trx, userId, now, 'deactivated');
      });
    },

    ...userAdminStore(db, {
      insertAudit,
      appendUserRevocation: (executor, userId, now) => appendRevocation(executor, 'user', String(userId), now),
      revokeUserSessions: (executor, userId, now, reason) => revokeUserSessions(executor, userId, now, reason),
      lockSuperusers,
    }),

    async startSession(input, audit) {
      if (startSessionInOneStatement !== undefined) return startSessionInOneStatement(db, input, audit);
      const { sessionId, userId, now, ip, userAgent, token, dpopJkt, passwordUpgrade } = input;
      await db.transaction().execute(async (trx) => {
        await insertAudit(trx, audit);
        if (passwordUpgrade !== undefined) {
          await trx
            .updateTable('users')
            .set({ password: passwordUpgrade.to })
            .where('id', '=', userId)
            .where('password', '=', passwordUpgrade.from)
            .execute();
        }
        await hot.setLastLogin.run(trx, { id: userId, now });
        await hot.insertSession.run(trx, { id: sessionId, userId, now, ip, userAgent, dpopJkt: dpopJkt ?? null });
        await hot.insertRefreshToken.run(trx, {
          jti: token.jti,
          sessionId,
          parentJti: null,
          issuedAt: token.issuedAt,
          expiresAt: token.expiresAt,
        });
      });
    },

    async findRefreshToken(jti): Promise<RefreshTokenState | undefined> {
      const [row] = (await hot.refreshTokenState.run(db, { jti })).rows;
      return (
        row && {
          jti: row.jti,
          sessionId: row.session_id,
          userId: Number(row.user_id),
          usedAt: nullableNumber(row.used_at),
          sessionCreatedAt: Number(row.created_at),
          sessionRevokedAt: nullableNumber(row.revoked_at),
          sessionRevokeReason: row.revoke_reason,
          sessionDpopJkt: row.dpop_jkt,
          user: row.id === null ? undefined : toSessionUser(row as SessionUserRow),
        }
      );
    },

    rotateRefreshToken(input, audit) {
      return rotations.submit({ ...input, audit });
    },

    async findSession(sessionId): Promise<SessionState | undefined> {
      const [row] = (await hot.sessionState.run(db, { id: sessionId })).rows;
      if (row === undefined) return undefined;
      return {
        sessionId: row.session_id,
        userId: Number(row.session_user_id),
        revokedAt: nullableNumber(row.revoked_at),
        revokeReason: row.revoke_reason,
        user: row.id === null ? undefined : toSessionUser(row as SessionUserRow),
      };
    },

    async listSessions(userId, { includeRevoked = false } = {}) {
      let query = db
        .selectFrom('sessions')
        .select(['id', 'created_at', 'last_used_at', 'ip', 'user_agent', 'revoked_at', 'revoke_reason', 'dpop_jkt'])
        .where('user_id', '=', userId);
      if (!includeRevoked) query = query.where('revoked_at', 'is', null);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map((row) => ({
        id: row.id,
        createdAt: Number(row.created_at),
        lastUsedAt: Number(row.last_used_at),
        ip: row.ip,
        userAgent: row.user_agent,
        revokedAt: nullableNumber(row.revoked_at),
        revokeReason: row.revoke_reason,
        dpopJkt: row.dpop_jkt,
      }));
    },

    async revokeSession(sessionId, now, reason, audit) {
      await db.transaction().execute(async (trx) => {
        await insertAudit(trx, audit);
        const result = await trx
          .updateTable('sessions')
          .set({ revoked_at: now, revoke_reason: reason })
          .where('id', '=', sessionId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) > 0) await appendRevocation(trx, 'session', sessionId, now);
      });
    },

    revokeUserSessions: (userId, now, reason, keepSession, audit) =>
      db.transaction().execute(async (trx) => {
        await insertAudit(trx, audit);
        return revokeUserSessions(trx, userId, now, reason, keepSession);
      }),

    appendAudit: (entry) => insertAudit(db, entry),

    listAudit: (query) => listAudit(db, query),

    deleteAuditBefore: (before, batchSize = PRUNE_BATCH) => deleteAuditBefore(db, before, batchSize),

    async hasLegacyPasswordHashes() {
      const row = await db
        .selectFrom('users')
        .select('id')
        .where('password', 'not like', '$argon2id$%')
        .where('password', 'not like', '!%')
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    async hasSessionFrom(userId, ip) {
      const row = await db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('ip', '=', ip)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    ...signingKeyQueries(db, isUniqueViolation, appendRevocation),

    ...revocationLog(db),

    ...serviceStore(db, isUniqueViolation, insertAudit),

    ...legacyTokenStore(db, hot, insertAudit),

    ...djangoImportStore(db, {
      insertAudit,
      appendRevocation,
      revokeUserSessions: (executor, userId, now, reason) => revokeUserSessions(executor, userId, now, reason),
      ...(afterExplicitUserIds === undefined ? {} : { afterExplicitUserIds }),
    }),
    ...mailOutboxStore(db, insertAudit),

    ...passwordResetStore(db, insertAudit, revokeUserSessions),

    ...emailVerificationStore(db, insertAudit, appendRevocation),
    rememberDpopProof: dpopProofs.rememberDpopProof,

    async deleteExpired(now, batchSize = PRUNE_BATCH) {
      // In batches, so a large backlog never holds a long lock.
      let tokens = 0;
      for (;;) {
        const batch = await db
          .deleteFrom('refresh_tokens')
          .where('jti', 'in', (eb) =>
            eb.selectFrom('refresh_tokens').select('jti').where('expires_at', '<=', now).limit(batchSize),
          )
          .executeTakeFirst();
        tokens += Number(batch.numDeletedRows);
        if (Number(batch.numDeletedRows) < batchSize) break;
      }
      const sessions = await db
        .deleteFrom('sessions')
        .where((eb) =>
          eb.not(
            eb.exists(
              eb.selectFrom('refresh_tokens').select('jti').whereRef('refresh_tokens.session_id', '=', 'sessions.id'),
            ),
          ),
        )
        .executeTakeFirst();
      await pruneRevocations(db, now - REVOCATION_LOG_RETENTION_MS);
      // An expired SimpleJWT token is refused for its expiry: its blacklist entry can go.
      await db.deleteFrom('simplejwt_blacklist').where('expires_at', '<=', now).execute();
      await pruneMail(db, now);
      await dpopProofs.deleteExpiredDpopProofs(now);
      return { tokens, sessions: Number(sessions.numDeletedRows) };
    },

    async ping() {
      await sql`select 1`.execute(db);
    },

    async close() {
      await rotations.drain();
      await close();
    },
  };
}
