import { sql, type Kysely, type Updateable } from 'kysely';
import { toUserRecord } from './rows.js';
import type { Database, UsersTable } from './schema.js';
import {
  LastSuperuserError,
  type AuditEntry,
  type RevokeReason,
  type Store,
  type UserChanges,
  type UserRecord,
  type UserSearch,
} from './types.js';

/** Matches a user list counts at most, unless its search says otherwise. */
const DEFAULT_COUNT_LIMIT = 10_000;

/** What {@link userAdminStore} needs from the store that composes it, each run in the caller's transaction. */
export interface UserAdminHelpers {
  insertAudit: (executor: Kysely<Database>, entry: AuditEntry | undefined) => Promise<void>;
  appendUserRevocation: (executor: Kysely<Database>, userId: number, now: number) => Promise<void>;
  revokeUserSessions: (
    executor: Kysely<Database>,
    userId: number,
    now: number,
    reason: RevokeReason,
  ) => Promise<number>;
  /**
   * Locks the active superusers' rows until the commit (PostgreSQL), so that
   * two transactions demoting two superusers at once cannot both see the
   * other still there. SQLite's single writer needs nothing.
   */
  lockSuperusers?: ((executor: Kysely<Database>) => Promise<void>) | undefined;
}

/** `updateUser`, `deleteUser` and `searchUsers`: the administrator's part of the {@link Store}. */
export function userAdminStore(
  db: Kysely<Database>,
  helpers: UserAdminHelpers,
): Pick<Store, 'updateUser' | 'deleteUser' | 'searchUsers'> {
  const { insertAudit, appendUserRevocation, revokeUserSessions, lockSuperusers } = helpers;

  /**
   * Refuses a change that leaves no active superuser, read after the change
   * in its transaction (and under the lock on PostgreSQL).
   * @throws {LastSuperuserError}
   */
  const keepOneSuperuser = async (trx: Kysely<Database>, before: UserRecord) => {
    const row = await trx
      .selectFrom('users')
      .select('id')
      .where('is_superuser', '=', 1)
      .where('is_active', '=', 1)
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) throw new LastSuperuserError(before.id);
  };
  const isActiveSuperuser = (user: UserRecord) => user.isActive && user.isSuperuser;

  return {
    async updateUser(userId, changes, now, audit) {
      return db.transaction().execute(async (trx) => {
        await lockSuperusers?.(trx);
        const row = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
        if (row === undefined) return undefined;
        const before = toUserRecord(row);
        const set = columnsOf(changes);
        if (Object.keys(set).length > 0) await trx.updateTable('users').set(set).where('id', '=', userId).execute();
        const after = toUserRecord(
          await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow(),
        );
        if (isActiveSuperuser(before) && !isActiveSuperuser(after)) await keepOneSuperuser(trx, before);
        await insertAudit(trx, audit);
        if (before.isActive && !after.isActive) await revokeUserSessions(trx, userId, now, 'deactivated');
        else if (claimsChanged(before, after)) await revokeUserSessions(trx, userId, now, 'admin');
        else await appendUserRevocation(trx, userId, now);
        return after;
      });
    },

    async deleteUser(userId, now, audit) {
      return db.transaction().execute(async (trx) => {
        await lockSuperusers?.(trx);
        const row = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
        if (row === undefined) return false;
        // The user's row first: the log's order lock is taken last (see appendRevocation).
        await trx.deleteFrom('users').where('id', '=', userId).execute();
        const before = toUserRecord(row);
        if (isActiveSuperuser(before)) await keepOneSuperuser(trx, before);
        await insertAudit(trx, audit);
        await revokeUserSessions(trx, userId, now, 'user_deleted');
        return true;
      });
    },

    async searchUsers(query) {
      const countLimit = query.countLimit ?? DEFAULT_COUNT_LIMIT;
      const total = await userCountQuery(db, query, countLimit).executeTakeFirstOrThrow();
      const rows = await userPageQuery(db, query).execute();
      const more = rows.length > query.limit;
      const users = rows.slice(0, query.limit).map(toUserRecord);
      const count = Math.min(Number(total.count), countLimit);
      const countExact = Number(total.count) <= countLimit;
      return { count, countExact, users: query.before === undefined ? users : users.reverse(), more };
    },
  };
}

/**
 * One page of users and the next one's first (`limit + 1` rows), in the
 * direction read: exported so that a test can ask each database for its plan.
 */
export function userPageQuery(db: Kysely<Database>, query: UserSearch) {
  let page = filterUsers(db, query).selectAll();
  if (query.after !== undefined) page = page.where('id', '>', query.after);
  if (query.before !== undefined) page = page.where('id', '<', query.before);
  return page.orderBy('id', query.before === undefined ? 'asc' : 'desc').limit(query.limit + 1);
}

/**
 * How many users the filters select, up to `countLimit + 1`: read along the
 * page's own index and no further, since a count of every match would read
 * the whole table at each page, and make the thousandth page of a million
 * users slow after all. Exported for the plan test, as {@link userPageQuery}.
 */
export function userCountQuery(db: Kysely<Database>, query: UserSearch, countLimit: number) {
  const matches = filterUsers(db, query)
    .select('id')
    .limit(countLimit + 1)
    .as('matches');
  return db.selectFrom(matches).select((eb) => eb.fn.countAll().as('count'));
}

/**
 * The users the filters select. Every filter but `search` and
 * `emailVerified` has an index ending in `id` (migration 0008), so a page is
 * read along it; `emailVerified` is read along the primary key (most users
 * are on either side, so a page fills soon); `search` is a substring match,
 * read along the primary key until a page is full, or on PostgreSQL looked
 * up in trigram indexes (migration 0010) when the term is rare.
 */
function filterUsers(
  db: Kysely<Database>,
  { search, isActive, isStaff, isSuperuser, emailVerified, role }: UserSearch,
) {
  // Flags as literals, not parameters: SQLite and PostgreSQL match a partial index only to a literal.
  const flag = (value: boolean) => sql.lit(value ? 1 : 0);
  let query = db.selectFrom('users');
  if (isActive !== undefined) query = query.where('is_active', '=', flag(isActive));
  if (isStaff !== undefined) query = query.where('is_staff', '=', flag(isStaff));
  if (isSuperuser !== undefined) query = query.where('is_superuser', '=', flag(isSuperuser));
  if (emailVerified !== undefined) query = query.where('email_verified', '=', flag(emailVerified));
  if (role !== undefined) query = query.where('role', '=', role);
  if (search !== undefined && search !== '') {
    const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const matches = (column: 'username' | 'email' | 'first_name' | 'last_name') =>
      sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
    query = query.where((eb) =>
      eb.or([matches('username'), matches('email'), matches('first_name'), matches('last_name')]),
    );
  }
  return query;
}

/** The columns `changes` sets; none for a field left out. */
function columnsOf(changes: UserChanges): Updateable<UsersTable> {
  const set: Updateable<UsersTable> = {};
  const flag = (value: boolean) => (value ? 1 : 0);
  if (changes.firstName !== undefined) set.first_name = changes.firstName;
  if (changes.lastName !== undefined) set.last_name = changes.lastName;
  if (changes.email !== undefined) set.email = changes.email;
  if (changes.isActive !== undefined) set.is_active = flag(changes.isActive);
  if (changes.isStaff !== undefined) set.is_staff = flag(changes.isStaff);
  if (changes.isSuperuser !== undefined) set.is_superuser = flag(changes.isSuperuser);
  if (changes.role !== undefined) set.role = changes.role;
  if (changes.permissions !== undefined) set.permissions = JSON.stringify(changes.permissions);
  return set;
}

/** Whether the claims a token carries about the user's rights differ. */
function claimsChanged(before: UserRecord, after: UserRecord): boolean {
  return (
    before.isStaff !== after.isStaff ||
    before.isSuperuser !== after.isSuperuser ||
    before.role !== after.role ||
    JSON.stringify(before.permissions) !== JSON.stringify(after.permissions)
  );
}
