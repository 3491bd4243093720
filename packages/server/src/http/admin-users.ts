/**
 * What the admin API's user routes share: the user as staff see one, the
 * fields an administrator may set, the user a path names, and audit entries
 * that name the acting administrator.
 */
import type { AdminUserResponse } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/access.js';
import {
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PERMISSIONS,
  MAX_PERMISSION_LENGTH,
  MAX_ROLE_LENGTH,
  PERMISSION,
  accountMessages,
  emailProblems,
  roleProblems,
} from '../auth/account-rules.js';
import { auditEntry, type AuditFields } from '../auth/audit.js';
import type { AuthContext } from '../auth/context.js';
import type { AuditEvent } from '../auth/events.js';
import { AuthError } from '../errors.js';
import type { AuditEntry, SessionUser, UserChanges, UserRecord } from '../store/types.js';
import { booleanField, stringListField } from './admin-fields.js';
import { collectFieldsOf, type FieldErrors, type FieldSpec } from './body.js';
import { clientOf } from './security-log.js';

/** The user as the admin API shows it: built from named fields, so a hash cannot slip in. */
export function presentUser(user: SessionUser): AdminUserResponse {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    is_active: user.isActive,
    is_staff: user.isStaff,
    is_superuser: user.isSuperuser,
    email_verified: user.emailVerified,
    role: user.role,
    permissions: [...user.permissions],
    last_login: user.lastLogin === null ? null : new Date(user.lastLogin).toISOString(),
    date_joined: new Date(user.dateJoined).toISOString(),
  };
}

/** The JSON schema of {@link presentUser}'s answer, for the OpenAPI document. */
export const adminUserSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    email: { type: 'string' },
    first_name: { type: 'string' },
    last_name: { type: 'string' },
    is_active: { type: 'boolean' },
    is_staff: { type: 'boolean' },
    is_superuser: { type: 'boolean' },
    email_verified: { type: 'boolean' },
    role: { type: 'string' },
    permissions: { type: 'array', items: { type: 'string' } },
    last_login: { type: ['string', 'null'], format: 'date-time' },
    date_joined: { type: 'string', format: 'date-time' },
  },
} as const;

const READ_ONLY_FIELDS = new Set(['id', 'username', 'email_verified', 'last_login', 'date_joined']);

/** The writable fields' schema, for the OpenAPI document (PATCH: all optional). */
export const adminUserFieldsSchema = Object.fromEntries(
  Object.entries(adminUserSchema.properties).filter(([name]) => !READ_ONLY_FIELDS.has(name)),
);

/** Every field an administrator may set, in the order errors are reported. */
export const USER_FIELD_ORDER = [
  'username',
  'password',
  'email',
  'first_name',
  'last_name',
  'is_active',
  'is_staff',
  'is_superuser',
  'role',
  'permissions',
] as const;
export type UserField = (typeof USER_FIELD_ORDER)[number];

const name: FieldSpec = { optional: true, allowBlank: true, maxLength: MAX_NAME_LENGTH };
const TEXT_FIELDS = {
  email: { optional: true, allowBlank: true, maxLength: MAX_EMAIL_LENGTH },
  first_name: name,
  last_name: name,
  role: { optional: true, maxLength: MAX_ROLE_LENGTH },
} as const satisfies Record<string, FieldSpec>;

const PERMISSION_ITEM = {
  pattern: PERMISSION,
  invalid: accountMessages.invalidPermission,
  maxLength: MAX_PERMISSION_LENGTH,
  maxItems: MAX_PERMISSIONS,
};

/**
 * The changes a body asks for, and every field that failed, for a handler
 * to add its own checks to. Unknown fields are ignored.
 */
export function readUserChanges(body: Record<string, unknown>): {
  changes: UserChanges;
  errors: FieldErrors<UserField>;
} {
  const { values, errors } = collectFieldsOf(body, TEXT_FIELDS);
  const all: FieldErrors<UserField> = { ...errors };
  if (values.email !== undefined) all.email ??= emailProblems(values.email);
  if (values.role !== undefined) all.role ??= roleProblems(values.role);
  const changes: UserChanges = {
    email: values.email,
    firstName: values.first_name,
    lastName: values.last_name,
    role: values.role,
  };
  for (const [field, key] of [
    ['is_active', 'isActive'],
    ['is_staff', 'isStaff'],
    ['is_superuser', 'isSuperuser'],
  ] as const) {
    const read = booleanField(body, field);
    if (read.ok) changes[key] = read.value;
    else all[field] = read.messages;
  }
  const permissions = stringListField(body, 'permissions', PERMISSION_ITEM);
  if (permissions.ok) changes.permissions = permissions.value;
  else all.permissions = permissions.messages;
  return { changes, errors: all };
}

/** The fields `changes` sets, by their wire names, for the audit entry. */
export function changedFields(changes: UserChanges): string {
  const wire: Record<keyof UserChanges, string> = {
    email: 'email',
    pendingEmail: 'pending_email',
    emailVerified: 'email_verified',
    firstName: 'first_name',
    lastName: 'last_name',
    isActive: 'is_active',
    isStaff: 'is_staff',
    isSuperuser: 'is_superuser',
    role: 'role',
    permissions: 'permissions',
  };
  return (Object.keys(wire) as (keyof UserChanges)[])
    .filter((key) => changes[key] !== undefined)
    .map((key) => wire[key])
    .join(',');
}

const USER_ID = /^[1-9]\d{0,9}$/;
/** PostgreSQL's `integer`: a larger id names no user, and must not reach the database. */
const MAX_USER_ID = 2_147_483_647;

/**
 * The user the path's `id` names.
 * @throws {AuthError} 404 for an id that is malformed or names nobody.
 */
export async function targetUser(ctx: AuthContext, request: FastifyRequest): Promise<UserRecord> {
  const { id } = request.params as { id: string };
  const user = USER_ID.test(id) && Number(id) <= MAX_USER_ID ? await ctx.store.findUserById(Number(id)) : undefined;
  if (user === undefined) throw new AuthError('not_found');
  return user;
}

/**
 * An audit entry about `target` (a user, or a name for one not yet made),
 * naming the administrator who acted in `by`, with the request's client.
 */
export function adminAudit(
  event: AuditEvent,
  request: FastifyRequest,
  ctx: AuthContext,
  admin: Principal,
  target: { id?: number; username: string },
  details: NonNullable<AuditFields['details']> = {},
): AuditEntry {
  return auditEntry(event, clientOf(request), ctx.clock.now(), {
    userId: target.id,
    username: target.username,
    details: { ...details, via: 'admin', by: admin.user.username },
  });
}
