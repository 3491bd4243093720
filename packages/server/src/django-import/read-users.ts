import { sql, type RawBuilder } from 'kysely';
import type { UserRecord } from '../store/types.js';
import { DjangoSourceError, type DjangoSource } from './source.js';

/** The columns the import reads, per table: without them the database is not Django's. */
const REQUIRED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  auth_user: [
    'id',
    'username',
    'password',
    'email',
    'first_name',
    'last_name',
    'is_active',
    'is_staff',
    'is_superuser',
    'last_login',
    'date_joined',
  ],
  auth_permission: ['id', 'content_type_id', 'codename'],
  django_content_type: ['id', 'app_label'],
  auth_user_groups: ['user_id', 'group_id'],
  auth_group_permissions: ['group_id', 'permission_id'],
  auth_user_user_permissions: ['user_id', 'permission_id'],
};

/** The profile table's columns, as seed 004's `Profile` has them. */
const PROFILE_COLUMNS = ['user_id', 'first_name', 'last_name', 'email'] as const;

/** tessera's role for a user whose role column is empty. */
const DEFAULT_ROLE = 'viewer';

export interface ReadOptions {
  /** A one-to-one table (`user_id`) whose names and email replace auth_user's where it has a row. */
  profileTable?: string | undefined;
  /** `TABLE.COLUMN`: the role, from auth_user itself or a one-to-one table (`user_id`). */
  roleFrom?: string | undefined;
}

/**
 * Reads every user of a Django database as tessera stores them: the ids
 * kept (so `user_id` claims stay the same), the hash as Django wrote it,
 * and the permissions Django's `get_all_permissions()` gives (a superuser
 * every permission, an inactive user none, anyone else their own and their
 * groups', as `app_label.codename`).
 * @throws {DjangoSourceError} naming every missing table and column.
 */
export async function readDjangoUsers(source: DjangoSource, options: ReadOptions = {}): Promise<UserRecord[]> {
  const profile = options.profileTable;
  const role = options.roleFrom === undefined ? undefined : parseRoleFrom(options.roleFrom);
  const wanted: Record<string, readonly string[]> = { ...REQUIRED_COLUMNS };
  if (profile !== undefined) wanted[identifier(profile, '--profile-table')] = PROFILE_COLUMNS;
  if (role !== undefined) wanted[role.table] = [...(wanted[role.table] ?? []), role.key, role.column];
  await requireColumns(source, wanted);

  const users = await source.db.selectFrom('auth_user').selectAll().orderBy('id').execute();
  const permissions = await readPermissions(source);
  const profiles = profile === undefined ? new Map<number, ProfileRow>() : await readProfiles(source, profile);
  const roles = role === undefined ? new Map<number, unknown>() : await readByUser(source, role);

  return users.map((row): UserRecord => {
    const id = Number(row.id);
    const isActive = flag(row.is_active);
    const isSuperuser = flag(row.is_superuser);
    const fromProfile = profiles.get(id);
    const roleValue = roles.get(id);
    return {
      id,
      // Django keeps no verification: the import leaves tessera's as it is (`verifyemail` sets it).
      emailVerified: false,
      pendingEmail: '',
      username: row.username,
      passwordHash: row.password,
      email: fromProfile?.email ?? row.email,
      firstName: fromProfile?.first_name ?? row.first_name,
      lastName: fromProfile?.last_name ?? row.last_name,
      isActive,
      isStaff: flag(row.is_staff),
      isSuperuser,
      lastLogin: row.last_login === null ? null : djangoTime(row.last_login),
      dateJoined: djangoTime(row.date_joined),
      role: typeof roleValue === 'string' && roleValue !== '' ? roleValue : DEFAULT_ROLE,
      permissions: !isActive ? [] : isSuperuser ? permissions.all : (permissions.byUser.get(id) ?? []),
    };
  });
}

interface ProfileRow {
  user_id: number;
  first_name: string;
  last_name: string;
  email: string;
}

/** Every permission, and each user's own and group permissions, sorted, as `app_label.codename`. */
async function readPermissions(source: DjangoSource): Promise<{ all: string[]; byUser: Map<number, string[]> }> {
  const { db } = source;
  const all = await db
    .selectFrom('auth_permission as p')
    .innerJoin('django_content_type as ct', 'ct.id', 'p.content_type_id')
    .select(['ct.app_label', 'p.codename'])
    .execute();
  const own = await db
    .selectFrom('auth_user_user_permissions as up')
    .innerJoin('auth_permission as p', 'p.id', 'up.permission_id')
    .innerJoin('django_content_type as ct', 'ct.id', 'p.content_type_id')
    .select(['up.user_id', 'ct.app_label', 'p.codename'])
    .execute();
  const fromGroups = await db
    .selectFrom('auth_user_groups as ug')
    .innerJoin('auth_group_permissions as gp', 'gp.group_id', 'ug.group_id')
    .innerJoin('auth_permission as p', 'p.id', 'gp.permission_id')
    .innerJoin('django_content_type as ct', 'ct.id', 'p.content_type_id')
    .select(['ug.user_id', 'ct.app_label', 'p.codename'])
    .execute();
  const sets = new Map<number, Set<string>>();
  for (const { user_id, app_label, codename } of [...own, ...fromGroups]) {
    const id = Number(user_id);
    const set = sets.get(id) ?? sets.set(id, new Set()).get(id)!;
    set.add(`${app_label}.${codename}`);
  }
  const sorted = (names: Iterable<string>) => [...new Set(names)].sort();
  return {
    all: sorted(all.map(({ app_label, codename }) => `${app_label}.${codename}`)),
    byUser: new Map([...sets].map(([id, set]) => [id, sorted(set)])),
  };
}

async function readProfiles(source: DjangoSource, table: string): Promise<Map<number, ProfileRow>> {
  const { rows } = await sql<ProfileRow>`
    select user_id, first_name, last_name, email from ${sql.table(table)}`.execute(source.db);
  return new Map(rows.map((row) => [Number(row.user_id), row]));
}

interface RoleSource {
  table: string;
  /** `id` in auth_user, `user_id` in a one-to-one table. */
  key: string;
  column: string;
}

async function readByUser(source: DjangoSource, { table, key, column }: RoleSource): Promise<Map<number, unknown>> {
  const query: RawBuilder<{ user_id: number; value: unknown }> = sql`
    select ${sql.ref(key)} as user_id, ${sql.ref(column)} as value from ${sql.table(table)}`;
  const { rows } = await query.execute(source.db);
  return new Map(rows.map(({ user_id, value }) => [Number(user_id), value]));
}

function parseRoleFrom(raw: string): RoleSource {
  const [table, column, ...rest] = raw.split('.');
  if (table === undefined || column === undefined || rest.length > 0) {
    throw new DjangoSourceError(`--role-from takes TABLE.COLUMN, e.g. base_profile.role; got ${JSON.stringify(raw)}`);
  }
  identifier(table, '--role-from');
  identifier(column, '--role-from');
  return { table, key: table === 'auth_user' ? 'id' : 'user_id', column };
}

/** A table or column name as Django makes them; anything else is refused before it reaches SQL. */
function identifier(name: string, option: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new DjangoSourceError(`${option}: ${JSON.stringify(name)} is not a table or column name`);
  }
  return name;
}

async function requireColumns(source: DjangoSource, wanted: Record<string, readonly string[]>): Promise<void> {
  const missing: string[] = [];
  for (const [table, columns] of Object.entries(wanted)) {
    const present = await source.columnsOf(table);
    if (present.size === 0) missing.push(`table ${table}`);
    else missing.push(...columns.filter((column) => !present.has(column)).map((column) => `${table}.${column}`));
  }
  if (missing.length > 0) {
    throw new DjangoSourceError(
      `not a Django database tessera can import: missing ${missing.join(', ')} (run Django's migrate first?)`,
    );
  }
}

/** SQLite's 0/1 or PostgreSQL's boolean. */
const flag = (value: number | boolean): boolean => value === true || Number(value) === 1;

/**
 * A Django datetime in milliseconds: PostgreSQL's timestamptz arrives as a
 * Date; SQLite holds text, UTC when `USE_TZ` is on (Django's default since 5.0).
 */
export function djangoTime(value: string | Date): number {
  if (value instanceof Date) return value.getTime();
  const iso = value.replace(' ', 'T');
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(ms)) throw new DjangoSourceError(`cannot read the Django date ${JSON.stringify(value)}`);
  return ms;
}
