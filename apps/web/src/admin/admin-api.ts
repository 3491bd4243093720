import {
  adminUserPath,
  paths,
  type AdminSessionResponse,
  type AdminUserPage,
  type AdminUserResponse,
  type AdminUserUpdateRequest,
  type AuditPage,
  type MessageResponse,
  type RevokeOthersResponse,
} from '@tessera/protocol';
import { errorOf, messageOf, type FieldErrors } from '../api';

/** `useAuth().fetch`: credentials, CSRF and one refresh on a 401 come with it. */
export type AuthFetch = (input: string, init?: RequestInit) => Promise<Response>;

/** A refusal of the admin API: its status, `detail` and field errors, as the server sent them. */
export class AdminCallError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly fields: FieldErrors,
  ) {
    super(detail);
    this.name = 'AdminCallError';
  }
}

/** A sentence for the operator from anything an admin call may throw. */
export function adminMessageOf(error: unknown): string {
  return error instanceof AdminCallError ? error.detail : messageOf(error);
}

async function call<T>(fetch: AuthFetch, path: string, method = 'GET', body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    const { detail, fields } = await errorOf(response);
    throw new AdminCallError(response.status, detail, fields);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/**
 * The admin API's calls, through the app's authorized `fetch`. Pages are
 * read by link (the API's `next`/`previous`, or one {@link usersLink} or
 * {@link auditLink} made), so the console pages as the server does.
 *
 * @example
 * ```ts
 * const api = adminApi(useAuth().fetch);
 * const page = await api.listUsers(usersLink(new URLSearchParams({ search: 'alice' })));
 * ```
 */
export function adminApi(fetch: AuthFetch) {
  const user = adminUserPath;
  return {
    listUsers: (link: string) => call<AdminUserPage>(fetch, link),
    getUser: (id: number) => call<AdminUserResponse>(fetch, user(id)),
    updateUser: (id: number, changes: AdminUserUpdateRequest) =>
      call<AdminUserResponse>(fetch, user(id), 'PATCH', changes),
    deleteUser: (id: number) => call<undefined>(fetch, user(id), 'DELETE'),
    setPassword: (id: number, password: string) =>
      call<MessageResponse>(fetch, `${user(id)}password/`, 'POST', { password }),
    /** The user's reset mail, as the forgot-password page asks for one: by their address. */
    sendResetMail: (email: string) => call<{ detail: string }>(fetch, paths.passwordReset, 'POST', { email }),
    listSessions: (id: number) => call<AdminSessionResponse[]>(fetch, `${user(id)}sessions/`),
    endSession: (id: number, sessionId: string) =>
      call<undefined>(fetch, `${user(id)}sessions/${encodeURIComponent(sessionId)}/`, 'DELETE'),
    endAllSessions: (id: number) => call<RevokeOthersResponse>(fetch, `${user(id)}sessions/revoke-all/`, 'POST', {}),
    listAudit: (link: string) => call<AuditPage>(fetch, link),
  };
}

export type AdminApi = ReturnType<typeof adminApi>;

/** The users list's filters, as the page's query and the API's share them. */
export const USER_FILTERS = ['search', 'is_active', 'is_staff', 'is_superuser', 'email_verified', 'role'] as const;
/** The audit log's filters. */
export const AUDIT_FILTERS = ['user', 'event', 'since', 'until'] as const;

/** Only the parameters the API reads, without blanks: the console's URL and the API's carry the same query. */
function linkOf(path: string, query: URLSearchParams, names: readonly string[]): string {
  const kept = new URLSearchParams();
  for (const name of names) {
    const value = query.get(name)?.trim();
    if (value) kept.set(name, value);
  }
  const search = kept.toString();
  return search === '' ? path : `${path}?${search}`;
}

/** `/api/admin/users/?…` for the console's query (filters, page size and cursor). */
export function usersLink(query: URLSearchParams): string {
  return linkOf(paths.adminUsers, query, [...USER_FILTERS, 'page_size', 'after', 'before']);
}

/** `/api/admin/audit/?…` for the console's query (filters and page). */
export function auditLink(query: URLSearchParams, extra: Record<string, string> = {}): string {
  const all = new URLSearchParams(query);
  for (const [name, value] of Object.entries(extra)) all.set(name, value);
  return linkOf(paths.adminAudit, all, [...AUDIT_FILTERS, 'page', 'page_size', 'format']);
}

/** The query of an API link (`next`, `previous`), for the console's own URL. */
export function queryOf(link: string): string {
  const at = link.indexOf('?');
  return at === -1 ? '' : link.slice(at);
}
