import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { AuditEntry, RotateRefreshToken, StartSession } from './types.js';

/**
 * A login's and a refresh's writes on PostgreSQL, each as one statement of
 * data-modifying CTEs. The shared store (kysely-store.ts) sends them as
 * separate statements, which SQLite needs (it has no writes in CTEs) and
 * which cost it nothing (it runs in-process). On PostgreSQL every statement
 * is a round trip, and a transaction adds BEGIN and COMMIT: a refresh was 6
 * round trips and a login 6, each one event-loop work in node-postgres.
 * One statement is atomic on its own, so a lone one needs no BEGIN/COMMIT,
 * and it answers only after its commit, as `synchronous_commit` (on) makes
 * every commit wait for its WAL flush.
 *
 * The CTEs run against one snapshot and cannot see one another's rows; none
 * needs to: each reads only `claimed`'s output, and the foreign key from the
 * new token to its new session is checked at the end of the statement.
 * Parameters in a SELECT list carry casts, as PostgreSQL would take them for
 * text there; ids are `bpchar` (no length, so nothing is cut), the type of
 * their `char(32)` columns, so that their indexes serve the comparisons.
 */

const AUDIT_COLUMNS = 'at, event, user_id, username, session_id, ip, user_agent, details';
const AUDIT_VALUES = (first: number) =>
  `$${first}::bigint, $${first + 1}::text, $${first + 2}::integer, $${first + 3}::text, ` +
  `$${first + 4}::text, $${first + 5}::text, $${first + 6}::text, $${first + 7}::text`;

function auditParameters(entry: AuditEntry): unknown[] {
  const { at, event, userId, username, sessionId, ip, userAgent, details } = entry;
  return [at, event, userId, username, sessionId, ip, userAgent, JSON.stringify(details)];
}

/**
 * The claim is the same single conditional UPDATE as `claimRefreshToken` in
 * hot-queries.ts: a concurrent claim of the same token, from any instance,
 * waits for this row's lock and then finds `used_at` set. The other writes
 * happen only if the claim did (they read `claimed`).
 */
const ROTATE = `with claimed as (
  update refresh_tokens set used_at = $2
  where jti = $1::bpchar and used_at is null
    and exists (select 1 from sessions where sessions.id = refresh_tokens.session_id and sessions.revoked_at is null)
  returning session_id
), successor as (
  insert into refresh_tokens (jti, session_id, parent_jti, issued_at, expires_at)
  select $3::bpchar, session_id, $1::bpchar, $4::bigint, $5::bigint from claimed
), touched as (
  update sessions set last_used_at = $2 where id = (select session_id from claimed)
)`;
const ROTATE_ONLY = `${ROTATE}
select session_id from claimed`;
const ROTATE_AUDITED = `${ROTATE}, audited as (
  insert into audit_log (${AUDIT_COLUMNS}) select ${AUDIT_VALUES(6)} from claimed
)
select session_id from claimed`;

/**
 * Claims `job.jti` and, if that succeeds, inserts its successor, touches its
 * session and writes `audit`: one statement. Answers the claimed token's
 * session id, or undefined when the claim failed (nothing was written).
 */
export async function rotateInOneStatement(
  executor: Kysely<Database>,
  { jti, successor, now }: RotateRefreshToken,
  audit: AuditEntry | undefined,
): Promise<string | undefined> {
  const parameters = [jti, now, successor.jti, successor.issuedAt, successor.expiresAt];
  const query =
    audit === undefined
      ? CompiledQuery.raw(ROTATE_ONLY, parameters)
      : CompiledQuery.raw(ROTATE_AUDITED, [...parameters, ...auditParameters(audit)]);
  const { rows } = await executor.executeQuery<{ session_id: string }>(query);
  return rows[0]?.session_id;
}

/**
 * `last_login`, and a password upgrade only if the stored hash is still the
 * one verified, in one UPDATE: two updates of one row in one statement
 * would keep only one of them.
 */
const START_SESSION = `with session as (
  insert into sessions (id, user_id, created_at, last_used_at, ip, user_agent, dpop_jkt)
  values ($1, $2, $3, $3, $4, $5, $6)
), token as (
  insert into refresh_tokens (jti, session_id, parent_jti, issued_at, expires_at)
  values ($7, $1, null, $8, $9)
), signed_in as (
  update users set last_login = $3,
    password = case when $10::text is not null and password = $10::text then $11::text else password end
  where id = $2
)`;
const START_SESSION_ONLY = `${START_SESSION}
select 1 as done`;
const START_SESSION_AUDITED = `${START_SESSION}
insert into audit_log (${AUDIT_COLUMNS}) values (${AUDIT_VALUES(12)})`;

/** A login's writes (session, first token, `last_login`, upgrade, audit) as one statement. */
export async function startSessionInOneStatement(
  executor: Kysely<Database>,
  input: StartSession,
  audit: AuditEntry | undefined,
): Promise<void> {
  const { sessionId, userId, now, ip, userAgent, token, dpopJkt, passwordUpgrade } = input;
  const parameters = [
    sessionId,
    userId,
    now,
    ip,
    userAgent,
    dpopJkt ?? null,
    token.jti,
    token.issuedAt,
    token.expiresAt,
    passwordUpgrade?.from ?? null,
    passwordUpgrade?.to ?? null,
  ];
  const query =
    audit === undefined
      ? CompiledQuery.raw(START_SESSION_ONLY, parameters)
      : CompiledQuery.raw(START_SESSION_AUDITED, [...parameters, ...auditParameters(audit)]);
  await executor.executeQuery(query);
}
