import type { Kysely } from 'kysely';
import { queryTemplate, type Params } from './query-template.js';
import type { Database } from './schema.js';

/** The user's columns a request reads with its session or refresh token: never the password hash. */
export const SESSION_USER_COLUMNS = [
  'u.id',
  'u.username',
  'u.email',
  'u.first_name',
  'u.last_name',
  'u.is_active',
  'u.is_staff',
  'u.is_superuser',
  'u.last_login',
  'u.date_joined',
  'u.role',
  'u.permissions',
  'u.email_verified',
  'u.pending_email',
] as const;

/**
 * The queries of every login and refresh, of a protected request's session
 * lookup, and the audit log's insert,
 * compiled once per store (see {@link queryTemplate}). Every other query is
 * built on each call.
 */
export function hotQueries(db: Kysely<Database>) {
  return {
    userById: queryTemplate(db, (p: Params<'id'>) => db.selectFrom('users').selectAll().where('id', '=', p.id)),

    userByUsername: queryTemplate(db, (p: Params<'username'>) =>
      db.selectFrom('users').selectAll().where('username', '=', p.username),
    ),

    setLastLogin: queryTemplate(db, (p: Params<'id' | 'now'>) =>
      db.updateTable('users').set({ last_login: p.now }).where('id', '=', p.id),
    ),

    insertSession: queryTemplate(db, (p: Params<'id' | 'userId' | 'now' | 'ip' | 'userAgent' | 'dpopJkt'>) =>
      db.insertInto('sessions').values({
        id: p.id,
        user_id: p.userId,
        created_at: p.now,
        last_used_at: p.now,
        ip: p.ip,
        user_agent: p.userAgent,
        dpop_jkt: p.dpopJkt,
      }),
    ),

    refreshTokenState: queryTemplate(db, (p: Params<'jti'>) =>
      db
        .selectFrom('refresh_tokens as t')
        .innerJoin('sessions as s', 's.id', 't.session_id')
        .leftJoin('users as u', 'u.id', 's.user_id')
        .select([
          't.jti',
          't.session_id',
          't.used_at',
          's.user_id',
          's.created_at',
          's.revoked_at',
          's.revoke_reason',
          's.dpop_jkt',
        ])
        .select(SESSION_USER_COLUMNS)
        .where('t.jti', '=', p.jti),
    ),

    /** The single conditional write that makes rotation single-use. */
    claimRefreshToken: queryTemplate(db, (p: Params<'jti' | 'now'>) =>
      db
        .updateTable('refresh_tokens')
        .set({ used_at: p.now })
        .where('jti', '=', p.jti)
        .where('used_at', 'is', null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('sessions')
              .select('sessions.id')
              .whereRef('sessions.id', '=', 'refresh_tokens.session_id')
              .where('sessions.revoked_at', 'is', null),
          ),
        )
        .returning('session_id'),
    ),

    insertRefreshToken: queryTemplate(db, (p: Params<'jti' | 'sessionId' | 'parentJti' | 'issuedAt' | 'expiresAt'>) =>
      db.insertInto('refresh_tokens').values({
        jti: p.jti,
        session_id: p.sessionId,
        parent_jti: p.parentJti,
        issued_at: p.issuedAt,
        expires_at: p.expiresAt,
      }),
    ),

    touchSession: queryTemplate(db, (p: Params<'id' | 'now'>) =>
      db.updateTable('sessions').set({ last_used_at: p.now }).where('id', '=', p.id),
    ),

    /** Audit entries are written in the transaction of the change they record; every refresh writes one. */
    insertAudit: queryTemplate(
      db,
      (p: Params<'at' | 'event' | 'userId' | 'username' | 'sessionId' | 'ip' | 'userAgent' | 'details'>) =>
        db.insertInto('audit_log').values({
          at: p.at,
          event: p.event,
          user_id: p.userId,
          username: p.username,
          session_id: p.sessionId,
          ip: p.ip,
          user_agent: p.userAgent,
          details: p.details,
        }),
    ),

    sessionState: queryTemplate(db, (p: Params<'id'>) =>
      db
        .selectFrom('sessions as s')
        .leftJoin('users as u', 'u.id', 's.user_id')
        .select(['s.id as session_id', 's.user_id as session_user_id', 's.revoked_at', 's.revoke_reason'])
        .select(SESSION_USER_COLUMNS)
        .where('s.id', '=', p.id),
    ),
  };
}

export type HotQueries = ReturnType<typeof hotQueries>;
