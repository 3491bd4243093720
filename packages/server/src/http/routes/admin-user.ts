import { paths, type AdminUserResponse } from '@tessera/protocol';
import { requireMayChange } from '../../auth/admin-rights.js';
import { AuthError, fieldErrors } from '../../errors.js';
import { LastSuperuserError } from '../../store/types.js';
import {
  USER_FIELD_ORDER,
  adminAudit,
  adminUserFieldsSchema,
  adminUserSchema,
  changedFields,
  presentUser,
  readUserChanges,
  targetUser,
} from '../admin-users.js';
import { decodeBody, throwFieldErrors } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { errorResponses } from '../schemas.js';
import { logSecurityEvent } from '../security-log.js';

/** The path of one user; its routes and its sub-resources' share it. */
export const ADMIN_USER_PATH = `${paths.adminUsers}:id/`;

const params = {
  type: 'object',
  properties: { id: { type: 'integer', description: "The user's id" } },
} as const;

export const lastSuperuserMessages = {
  deactivate: 'The last active superuser cannot be deactivated.',
  demote: 'The last active superuser cannot lose superuser status.',
  delete: 'The last active superuser cannot be deleted.',
} as const;

export const adminUserRoute = defineRoute({
  method: 'GET',
  paths: [ADMIN_USER_PATH],
  auth: 'staff',
  name: 'Admin User',
  description: 'One user, as staff see them.',
  schema: { tags: ['admin'], params, response: { 200: adminUserSchema, 401: errorResponses[401] } },
  async handler(ctx, request): Promise<AdminUserResponse> {
    return presentUser(await targetUser(ctx, request));
  },
});

export const adminUserUpdateRoute = defineRoute({
  method: 'PATCH',
  paths: [ADMIN_USER_PATH],
  auth: 'staff',
  name: 'Admin User',
  description:
    'Change any of the names, email, is_active, is_staff, is_superuser, role and permissions. Deactivating, or ' +
    "changing the user's rights, ends every session of the user. Staff and superuser status are a superuser's to " +
    'change; nobody raises their own rights; the last active superuser stays one.',
  schema: {
    tags: ['admin'],
    params,
    body: { type: 'object', properties: adminUserFieldsSchema },
    response: { 200: adminUserSchema, ...errorResponses },
  },
  async handler(ctx, request, _reply, admin): Promise<AdminUserResponse> {
    const target = await targetUser(ctx, request);
    const { changes, errors } = readUserChanges(decodeBody(request));
    throwFieldErrors(errors, USER_FIELD_ORDER);
    requireMayChange(admin.user, target, changes);
    const event =
      changes.isActive === false && target.isActive
        ? 'user_deactivated'
        : changes.isActive === true && !target.isActive
          ? 'user_activated'
          : 'user_updated';
    const audit = adminAudit(event, request, ctx, admin, target, { fields: changedFields(changes) });
    try {
      const user = await ctx.store.updateUser(target.id, changes, ctx.clock.now(), audit);
      if (user === undefined) throw new AuthError('not_found');
      logSecurityEvent(request, event, { userId: user.id, reason: `by ${admin.user.username}` });
      return presentUser(user);
    } catch (error) {
      if (!(error instanceof LastSuperuserError)) throw error;
      throw changes.isActive === false
        ? fieldErrors({ is_active: [lastSuperuserMessages.deactivate] })
        : fieldErrors({ is_superuser: [lastSuperuserMessages.demote] });
    }
  },
});

export const adminUserDeleteRoute = defineRoute({
  method: 'DELETE',
  paths: [ADMIN_USER_PATH],
  auth: 'superuser',
  name: 'Admin User',
  description:
    'Delete the user; superusers only. Their sessions end. 204; the last active superuser cannot be deleted.',
  schema: {
    tags: ['admin'],
    params,
    response: { 204: { description: 'Deleted; no body', type: 'null' }, ...errorResponses },
  },
  async handler(ctx, request, reply, admin) {
    const target = await targetUser(ctx, request);
    const audit = adminAudit('user_deleted', request, ctx, admin, target);
    try {
      if (!(await ctx.store.deleteUser(target.id, ctx.clock.now(), audit))) throw new AuthError('not_found');
    } catch (error) {
      if (error instanceof LastSuperuserError) throw fieldErrors({ non_field_errors: [lastSuperuserMessages.delete] });
      throw error;
    }
    logSecurityEvent(request, 'user_deleted', { userId: target.id, reason: `by ${admin.user.username}` });
    return reply.code(204).send();
  },
});
