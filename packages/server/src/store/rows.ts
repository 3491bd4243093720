import type { Insertable, Selectable } from 'kysely';
import type { UsersTable } from './schema.js';
import type { NewUser, SessionUser, UserRecord } from './types.js';

/** A user's row without the password hash, as sessions and refresh tokens read it. */
export type SessionUserRow = Omit<Selectable<UsersTable>, 'password'>;

/** A user's whole row as the rest of tessera sees it. */
export function toUserRecord(row: Selectable<UsersTable>): UserRecord {
  return { ...toSessionUser(row), passwordHash: row.password };
}

/** Builds the user from exactly the columns it names, so a hash read by mistake is not passed on. */
export function toSessionUser(row: SessionUserRow): SessionUser {
  return {
    id: Number(row.id),
    username: row.username,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    isActive: Number(row.is_active) === 1,
    isStaff: Number(row.is_staff) === 1,
    isSuperuser: Number(row.is_superuser) === 1,
    lastLogin: nullableNumber(row.last_login),
    dateJoined: Number(row.date_joined),
    role: row.role,
    permissions: parsePermissions(row.permissions),
    emailVerified: Number(row.email_verified) === 1,
    pendingEmail: row.pending_email,
  };
}

/** A nullable integer column as a number: PostgreSQL's bigints arrive as strings. */
export function nullableNumber(value: number | string | bigint | null): number | null {
  return value === null ? null : Number(value);
}

/** The permissions column's JSON list; anything else is no permissions. */
function parsePermissions(raw: string): string[] {
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

/** A user's columns as stored (flags as 0/1, permissions as JSON): the one mapping from a record to a row. */
/** A user's columns but the address verification, which only its own flows change (an import keeps it). */
export function toUserColumns(
  user: NewUser,
): Omit<Insertable<UsersTable>, 'id' | 'last_login' | 'email_verified' | 'pending_email'> {
  return {
    username: user.username,
    password: user.passwordHash,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    is_active: user.isActive ? 1 : 0,
    is_staff: user.isStaff ? 1 : 0,
    is_superuser: user.isSuperuser ? 1 : 0,
    date_joined: user.dateJoined,
    role: user.role,
    permissions: JSON.stringify(user.permissions),
  };
}
