import { paths, type AdminUserPage, type AdminUserResponse } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import { requireMayCreate } from '../../auth/admin-rights.js';
import { MAX_USERNAME_LENGTH, accountMessages, normalizeUsername, usernameProblems } from '../../auth/account-rules.js';
import { AuthError, fieldErrors } from '../../errors.js';
import { checkPasswordPolicy } from '../../passwords/policy.js';
import { DuplicateUsernameError, type UserSearch } from '../../store/types.js';
import { booleanField } from '../admin-fields.js';
import {
  USER_FIELD_ORDER,
  adminAudit,
  adminUserFieldsSchema,
  adminUserSchema,
  presentUser,
  readUserChanges,
} from '../admin-users.js';
import { collectFieldsOf, decodeBody, textProblem, throwFieldErrors } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { errorResponses } from '../schemas.js';
import { logSecurityEvent } from '../security-log.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const MAX_SEARCH_LENGTH = 150;
const CURSOR = /^[1-9]\d{0,9}$/;

/** The first value of a query parameter, trimmed; undefined when absent or blank. */
function param(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
}

const invalidCursor = () => new AuthError('not_found', { detail: 'Invalid cursor' });

/**
 * The filters, cursor and page size of the request.
 * @throws {AuthError} 400 naming each bad filter; 404 `Invalid cursor`.
 */
function readUserSearch(request: FastifyRequest): UserSearch {
  const errors: Record<string, string[]> = {};
  const text = (name: string) => {
    const value = param(request, name);
    const problem = value === undefined ? undefined : textProblem(value);
    if (problem !== undefined) errors[name] = [problem];
    return problem === undefined ? value : undefined;
  };
  const search = text('search');
  if (search !== undefined && [...search].length > MAX_SEARCH_LENGTH) {
    errors.search = [`Ensure this field has no more than ${MAX_SEARCH_LENGTH} characters.`];
  }
  const flags: Pick<UserSearch, 'isActive' | 'isStaff' | 'isSuperuser' | 'emailVerified'> = {};
  for (const [name, key] of [
    ['is_active', 'isActive'],
    ['is_staff', 'isStaff'],
    ['is_superuser', 'isSuperuser'],
    ['email_verified', 'emailVerified'],
  ] as const) {
    const value = text(name);
    if (value === undefined) continue;
    const read = booleanField({ [name]: value }, name);
    if (read.ok) flags[key] = read.value;
    else errors[name] ??= read.messages;
  }
  const role = text('role');
  const size = text('page_size');
  if (size !== undefined && !/^[1-9]\d{0,8}$/.test(size)) errors.page_size = ['A valid integer is required.'];
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
  const [after, before] = [param(request, 'after'), param(request, 'before')];
  if (
    (after !== undefined && before !== undefined) ||
    [after, before].some((c) => c !== undefined && !CURSOR.test(c))
  ) {
    throw invalidCursor();
  }
  return {
    search,
    ...flags,
    role,
    after: after === undefined ? undefined : Number(after),
    before: before === undefined ? undefined : Number(before),
    limit: Math.min(Number(size ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE),
  };
}

/** The request's own link with `cursor` in place of its after/before. */
function linkWith(request: FastifyRequest, cursor: { after: number } | { before: number }): string {
  const search = new URLSearchParams(request.query as Record<string, string>);
  search.delete('after');
  search.delete('before');
  for (const [key, value] of Object.entries(cursor)) search.set(key, String(value));
  return `${request.url.split('?')[0] ?? ''}?${search.toString()}`;
}

export const adminUserListRoute = defineRoute({
  method: 'GET',
  paths: [paths.adminUsers],
  auth: 'staff',
  name: 'Admin User List',
  description:
    'Users by id; staff only. Filters: search (a substring of the username, email or names), is_active, ' +
    'is_staff, is_superuser, email_verified, role; pages: page_size (at most 500), and the cursors after/before in next/previous. ' +
    '`count` stops at 10,000 matches (`count_exact` false past it), so any page costs what the first does.',
  schema: {
    tags: ['admin'],
    querystring: {
      type: 'object',
      properties: {
        search: { type: 'string' },
        is_active: { type: 'boolean' },
        is_staff: { type: 'boolean' },
        is_superuser: { type: 'boolean' },
        email_verified: { type: 'boolean' },
        role: { type: 'string' },
        after: { type: 'integer', minimum: 1 },
        before: { type: 'integer', minimum: 1 },
        page_size: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
      },
    },
    response: { 401: errorResponses[401] },
  },
  async handler(ctx, request): Promise<AdminUserPage> {
    const query = readUserSearch(request);
    const { count, countExact, users, more } = await ctx.store.searchUsers(query);
    const [first, last] = [users[0], users[users.length - 1]];
    const backward = query.before !== undefined;
    const paged = query.after !== undefined || backward;
    const hasNext = backward ? paged : more;
    const hasPrevious = backward ? more : paged;
    return {
      count,
      count_exact: countExact,
      next: hasNext && last !== undefined ? linkWith(request, { after: last.id }) : null,
      previous: hasPrevious && first !== undefined ? linkWith(request, { before: first.id }) : null,
      results: users.map(presentUser),
    };
  },
});

const CREATE_TEXT = { username: { maxLength: MAX_USERNAME_LENGTH }, password: {} } as const;

export const adminUserCreateRoute = defineRoute({
  method: 'POST',
  paths: [paths.adminUsers],
  auth: 'staff',
  name: 'Admin User List',
  description:
    'Create a user under the password policy; 201 with the user. Only a superuser may create staff or superusers.',
  schema: {
    tags: ['admin'],
    body: {
      type: 'object',
      required: ['username', 'password'],
      properties: { username: { type: 'string' }, password: { type: 'string' }, ...adminUserFieldsSchema },
    },
    response: { 201: adminUserSchema, ...errorResponses },
  },
  async handler(ctx, request, reply, admin): Promise<AdminUserResponse> {
    const body = decodeBody(request);
    const { values, errors: textErrors } = collectFieldsOf(body, CREATE_TEXT);
    const { changes, errors } = readUserChanges(body);
    Object.assign(errors, textErrors);
    const username = values.username === undefined ? undefined : normalizeUsername(values.username);
    if (username !== undefined) errors.username ??= usernameProblems(username);
    if (values.password !== undefined) {
      errors.password = await checkPasswordPolicy(values.password, { username: username ?? '' });
    }
    if (username !== undefined && errors.username?.length === 0 && (await ctx.store.findUserByUsername(username))) {
      errors.username = [accountMessages.usernameTaken];
    }
    throwFieldErrors(errors, USER_FIELD_ORDER);
    const flags = { isStaff: changes.isStaff ?? false, isSuperuser: changes.isSuperuser ?? false };
    requireMayCreate(admin.user, flags);

    const audit = adminAudit('user_created', request, ctx, admin, { username: username as string });
    try {
      const user = await ctx.store.createUser(
        {
          username: username as string,
          passwordHash: await ctx.hasher.hash(values.password as string),
          email: changes.email ?? '',
          firstName: changes.firstName ?? '',
          lastName: changes.lastName ?? '',
          isActive: changes.isActive ?? true,
          ...flags,
          dateJoined: ctx.clock.now(),
          role: changes.role ?? 'viewer',
          permissions: [...(changes.permissions ?? [])],
        },
        audit,
      );
      logSecurityEvent(request, 'user_created', { userId: user.id });
      void reply.code(201);
      return presentUser(user);
    } catch (error) {
      // Taken between the check and the insert.
      if (error instanceof DuplicateUsernameError) throw fieldErrors({ username: [accountMessages.usernameTaken] });
      throw error;
    }
  },
});
