import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach } from 'vitest';
import type { UserRecord } from '../../src/store/types.js';
import { bearer, createTestServer, type TestServer } from './server.js';

export const ADMIN_PASSWORD = 'correct horse';

/** The people of an admin API test: a superuser, a staff member, and two ordinary users. */
export interface AdminFixture {
  server: TestServer;
  root: UserRecord;
  staff: UserRecord;
  alice: UserRecord;
  bob: UserRecord;
  /** Access tokens by username, from a login each. */
  access: Record<'root' | 'staff' | 'alice' | 'bob', string>;
  /** Sends `body` (JSON) to `url` as the holder of `access`. */
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    access: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse>;
}

/**
 * For each test of the enclosing `describe`: a fresh test server with root
 * (staff and superuser), staff (staff only), alice and bob, each logged in once.
 */
export function adminFixtureEachTest(env: Record<string, string> = {}): AdminFixture {
  const fixture = {} as AdminFixture;
  beforeEach(async () => {
    const server = await createTestServer({ TESSERA_EXTRA_CLAIMS: 'role,permissions,is_staff,is_superuser', ...env });
    fixture.server = server;
    fixture.root = await server.createUser('root', ADMIN_PASSWORD, { isStaff: true, isSuperuser: true, role: 'admin' });
    fixture.staff = await server.createUser('staff', ADMIN_PASSWORD, { isStaff: true });
    fixture.alice = await server.createUser('alice', ADMIN_PASSWORD, { firstName: 'Alice', lastName: 'Liddell' });
    fixture.bob = await server.createUser('bob', ADMIN_PASSWORD);
    const login = async (name: string) => (await server.login(name, ADMIN_PASSWORD)).access;
    fixture.access = {
      root: await login('root'),
      staff: await login('staff'),
      alice: await login('alice'),
      bob: await login('bob'),
    };
    fixture.call = (method, url, access, body) =>
      server.app.inject({
        method,
        url,
        headers: { ...bearer(access), 'user-agent': 'AdminTest/1.0' },
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
  });
  afterEach(() => fixture.server.close());
  return fixture;
}

/** DRF's 403 for a caller without the rights. */
export const PERMISSION_DENIED = {
  detail: 'You do not have permission to perform this action.',
  code: 'permission_denied',
} as const;

/**
 * `user` as the admin API shows it, logged in at the fixture clock's time
 * (each fixture user logs in once); `overrides` by wire name.
 */
export function shownUser(
  fixture: AdminFixture,
  user: UserRecord,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
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
    permissions: user.permissions,
    last_login: new Date(fixture.server.clock.now()).toISOString(),
    date_joined: new Date(user.dateJoined).toISOString(),
    ...overrides,
  };
}
