import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, PERMISSION_DENIED, adminFixtureEachTest, shownUser } from '../../support/admin.js';
import { bearer, claimsOf } from '../../support/server.js';

const userUrl = (id: number) => `/api/admin/users/${id}/`;

describe('the admin API: one user', () => {
  const f = adminFixtureEachTest();

  const shown = (overrides: Record<string, unknown> = {}) => shownUser(f, f.alice, overrides);
  const profile = (access: string) =>
    f.server.app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(access) });

  it('shows a user to staff and to a superuser, never their hash, and refuses everyone else', async () => {
    for (const caller of ['staff', 'root'] as const) {
      const response = await f.call('GET', userUrl(f.alice.id), f.access[caller]);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(shown());
    }
    const refused = await f.call('GET', userUrl(f.bob.id), f.access.alice);
    expect([refused.statusCode, refused.json()]).toEqual([403, PERMISSION_DENIED]);
    const anonymous = await f.server.app.inject({ method: 'GET', url: userUrl(f.bob.id) });
    expect(anonymous.statusCode).toBe(401);
  });

  it.each(['0', '-1', 'abc', '1e3', '99999', '2147483648', '99999999999999999999', '%00'])(
    'answers 404 for the user id %s',
    async (id) => {
      const response = await f.call('GET', `/api/admin/users/${id}/`, f.access.staff);
      expect([response.statusCode, response.json()]).toEqual([404, { detail: 'Not found.', code: 'not_found' }]);
    },
  );

  it('lets staff edit an ordinary user, audited with the acting admin, without ending their session', async () => {
    const response = await f.call('PATCH', userUrl(f.alice.id), f.access.staff, {
      first_name: ' Alicia ',
      email: 'alicia@example.org',
      is_active: 'true',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(shown({ first_name: 'Alicia', email: 'alicia@example.org' }));
    expect((await profile(f.access.alice)).json()).toEqual({
      username: 'alice',
      first_name: 'Alicia',
      last_name: 'Liddell',
      email: 'alicia@example.org',
    });
    const { records } = await f.server.store.listAudit({ event: 'user_updated', offset: 0, limit: 10 });
    expect(records.map((r) => [r.userId, r.username, r.details])).toEqual([
      [f.alice.id, 'alice', { fields: 'email,first_name,is_active', via: 'admin', by: 'staff' }],
    ]);
  });

  it('deactivating a user refuses their access token at once and ends their sessions', async () => {
    const response = await f.call('PATCH', userUrl(f.alice.id), f.access.staff, { is_active: false });
    expect(response.json()).toEqual(shown({ is_active: false }));
    const refused = await profile(f.access.alice);
    expect([refused.statusCode, refused.json()]).toEqual([401, { detail: 'User is inactive', code: 'user_inactive' }]);
    expect(await f.server.store.listSessions(f.alice.id)).toEqual([]);
    const { records } = await f.server.store.listAudit({ event: 'user_deactivated', offset: 0, limit: 10 });
    expect(records.map((r) => [r.username, r.details.by])).toEqual([['alice', 'staff']]);
  });

  it('changing permissions and role ends the sessions, and the next login carries the new claims', async () => {
    const response = await f.call('PATCH', userUrl(f.alice.id), f.access.staff, {
      role: 'editor',
      permissions: ['notes.edit', 'notes.view', 'notes.edit'],
    });
    expect(response.json()).toEqual(shown({ role: 'editor', permissions: ['notes.edit', 'notes.view'] }));
    const refused = await profile(f.access.alice);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'token_not_valid' });
    const claims = claimsOf((await f.server.login('alice', ADMIN_PASSWORD)).access);
    expect([claims.role, claims.permissions]).toEqual(['editor', ['notes.edit', 'notes.view']]);
  });

  it('answers every bad field together, in declaration order, and changes nothing', async () => {
    const response = await f.call('PATCH', userUrl(f.alice.id), f.access.root, {
      email: 'not an email',
      first_name: 'x'.repeat(151),
      is_active: 'maybe',
      is_staff: null,
      is_superuser: [],
      role: 'has space',
      permissions: ['ok', '', 7, 'bad perm'],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      email: ['Enter a valid email address.'],
      first_name: ['Ensure this field has no more than 150 characters.'],
      is_active: ['Must be a valid boolean.'],
      is_staff: ['This field may not be null.'],
      is_superuser: ['Must be a valid boolean.'],
      role: ['Enter a valid role: letters, digits and _ . - only.'],
      permissions: [
        'Item 1: This field may not be blank.',
        'Item 2: Not a valid string.',
        'Item 3: Enter a valid permission: letters, digits and _ . : - only.',
      ],
    });
    const notList = await f.call('PATCH', userUrl(f.alice.id), f.access.root, { permissions: 'notes.edit' });
    expect(notList.json()).toEqual({ permissions: ['Expected a list of items but got type "str".'] });
    expect((await f.server.store.findUserById(f.alice.id))?.email).toBe('alice@example.com');
  });

  describe('escalation', () => {
    it.each([
      ['staff granting themselves superuser', 'staff', 'self', { is_superuser: true }, 'ownRights'],
      ['staff granting themselves permissions', 'staff', 'self', { permissions: ['admin.all'] }, 'ownRights'],
      ['staff changing their own role', 'staff', 'self', { role: 'admin' }, 'ownRights'],
      ['staff making another user staff', 'staff', 'alice', { is_staff: true }, 'grantRights'],
      ['staff making another user superuser', 'staff', 'alice', { is_superuser: true }, 'grantRights'],
      ['staff editing a superuser', 'staff', 'root', { email: 'mine@example.com' }, 'privilegedTarget'],
      ['staff deactivating a superuser', 'staff', 'root', { is_active: false }, 'privilegedTarget'],
      ['a superuser changing their own permissions', 'root', 'self', { permissions: ['x'] }, 'ownRights'],
    ] as const)('refuses %s with 403 and changes nothing', async (_name, caller, target, body, rule) => {
      const messages = {
        ownRights: 'You cannot change your own staff status, superuser status, role or permissions.',
        grantRights: 'Only a superuser can grant or remove staff or superuser status.',
        privilegedTarget: 'Only a superuser can change a staff member or a superuser.',
      };
      const id = target === 'self' ? f[caller].id : f[target].id;
      const before = await f.server.store.findUserById(id);
      const response = await f.call('PATCH', userUrl(id), f.access[caller], body);
      expect([response.statusCode, response.json()]).toEqual([
        403,
        { detail: messages[rule], code: 'permission_denied' },
      ]);
      expect(await f.server.store.findUserById(id)).toEqual(before);
    });

    it('lets a superuser make a user staff, and staff give up their own staff status', async () => {
      const granted = await f.call('PATCH', userUrl(f.alice.id), f.access.root, { is_staff: true });
      expect(granted.json()).toMatchObject({ is_staff: true });
      const givenUp = await f.call('PATCH', userUrl(f.staff.id), f.access.staff, { is_staff: false });
      expect(givenUp.json()).toMatchObject({ username: 'staff', is_staff: false });
      // Giving it up ended their sessions: the token that asked is refused.
      expect((await f.call('GET', userUrl(f.alice.id), f.access.staff)).statusCode).toBe(401);
    });

    it('keeps the last active superuser: not deactivated, demoted or deleted, by themselves or anyone', async () => {
      const cases = [
        [{ is_active: false }, { is_active: ['The last active superuser cannot be deactivated.'] }],
        [{ is_superuser: false }, { is_superuser: ['The last active superuser cannot lose superuser status.'] }],
      ] as const;
      for (const [body, errors] of cases) {
        const response = await f.call('PATCH', userUrl(f.root.id), f.access.root, body);
        expect([response.statusCode, response.json()]).toEqual([400, errors]);
      }
      const deleted = await f.call('DELETE', userUrl(f.root.id), f.access.root);
      expect([deleted.statusCode, deleted.json()]).toEqual([
        400,
        { non_field_errors: ['The last active superuser cannot be deleted.'] },
      ]);
      expect(await f.server.store.findUserById(f.root.id)).toMatchObject({ isActive: true, isSuperuser: true });
      expect((await profile(f.access.root)).statusCode).toBe(200);

      // With a second superuser, the first may step down.
      await f.call('PATCH', userUrl(f.staff.id), f.access.root, { is_superuser: true });
      const stepDown = await f.call('PATCH', userUrl(f.root.id), f.access.root, { is_superuser: false });
      expect(stepDown.json()).toMatchObject({ is_superuser: false });
    });

    it('of two superusers demoted at once, one stays', async () => {
      await f.call('PATCH', userUrl(f.staff.id), f.access.root, { is_superuser: true });
      const other = (await f.server.login('staff', ADMIN_PASSWORD)).access;
      const answers = await Promise.all([
        f.call('PATCH', userUrl(f.root.id), f.access.root, { is_superuser: false }),
        f.call('PATCH', userUrl(f.staff.id), other, { is_superuser: false }),
      ]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
      const supers = [await f.server.store.findUserById(f.root.id), await f.server.store.findUserById(f.staff.id)];
      expect(supers.filter((u) => u?.isSuperuser)).toHaveLength(1);
    });
  });

  it('deletes a user for a superuser only, ending their sessions', async () => {
    const refused = await f.call('DELETE', userUrl(f.alice.id), f.access.staff);
    expect([refused.statusCode, refused.json()]).toEqual([403, PERMISSION_DENIED]);
    const deleted = await f.call('DELETE', userUrl(f.alice.id), f.access.root);
    expect([deleted.statusCode, deleted.body]).toEqual([204, '']);
    const gone = await profile(f.access.alice);
    expect([gone.statusCode, gone.json()]).toEqual([401, { detail: 'User not found', code: 'user_not_found' }]);
    expect((await f.call('DELETE', userUrl(f.alice.id), f.access.root)).statusCode).toBe(404);
    const { records } = await f.server.store.listAudit({ event: 'user_deleted', offset: 0, limit: 10 });
    expect(records.map((r) => [r.userId, r.username, r.details])).toEqual([
      [f.alice.id, 'alice', { via: 'admin', by: 'root' }],
    ]);
  });

  it('sets a password under the policy, ending every session', async () => {
    const url = `${userUrl(f.alice.id)}password/`;
    const weak = await f.call('POST', url, f.access.staff, { password: 'alice' });
    expect([weak.statusCode, weak.json()]).toEqual([
      400,
      {
        password: [
          'The password is too similar to the username.',
          'This password is too short. It must contain at least 8 characters.',
          'This password is too common.',
        ],
      },
    ]);
    const set = await f.call('POST', url, f.access.staff, { password: 'a brand new secret 7' });
    expect([set.statusCode, set.json()]).toEqual([200, { message: 'Password set successfully' }]);
    expect((await profile(f.access.alice)).statusCode).toBe(401);
    await f.server.login('alice', 'a brand new secret 7');
    const onRoot = await f.call('POST', `${userUrl(f.root.id)}password/`, f.access.staff, {
      password: 'taken over 123',
    });
    expect(onRoot.json()).toEqual({
      detail: 'Only a superuser can change a staff member or a superuser.',
      code: 'permission_denied',
    });
    const notStaff = await f.call('POST', url, f.access.bob, { password: 'x y z 1 2 3 4' });
    expect([notStaff.statusCode, notStaff.json()]).toEqual([403, PERMISSION_DENIED]);
  });

  it("lists a user's sessions and ends one or all of them", async () => {
    const second = await f.server.login('alice', ADMIN_PASSWORD);
    const sessionsUrl = `${userUrl(f.alice.id)}sessions/`;
    const listed = await f.call('GET', sessionsUrl, f.access.staff);
    expect(listed.statusCode).toBe(200);
    const sessions = listed.json<Array<{ id: string; revoked_at: string | null }>>();
    expect(sessions.map((s) => s.id).sort()).toEqual(
      [claimsOf(f.access.alice).sid, claimsOf(second.access).sid].sort(),
    );
    expect(sessions[0]).toEqual({
      id: sessions[0]!.id,
      created_at: new Date(f.server.clock.now()).toISOString(),
      last_used_at: new Date(f.server.clock.now()).toISOString(),
      ip: '127.0.0.1',
      user_agent: 'lightMyRequest',
      device: expect.any(String) as unknown,
      device_bound: false,
      revoked_at: null,
      revoke_reason: null,
    });

    const one = await f.call('DELETE', `${sessionsUrl}${claimsOf(second.access).sid as string}/`, f.access.staff);
    expect([one.statusCode, one.body]).toEqual([204, '']);
    expect((await profile(second.access)).statusCode).toBe(401);
    expect((await profile(f.access.alice)).statusCode).toBe(200);
    // Another user's session is not alice's.
    const wrong = await f.call('DELETE', `${sessionsUrl}${claimsOf(f.access.bob).sid as string}/`, f.access.staff);
    expect([wrong.statusCode, wrong.json()]).toEqual([404, { detail: 'Not found.', code: 'not_found' }]);

    const all = await f.call('POST', `${sessionsUrl}revoke-all/`, f.access.staff);
    expect(all.json()).toEqual({ message: 'All sessions revoked successfully', revoked: 1 });
    expect((await profile(f.access.alice)).statusCode).toBe(401);
    const ended = (await f.call('GET', `${sessionsUrl}?all=true`, f.access.staff)).json<
      Array<{ revoke_reason: string }>
    >();
    expect(ended.map((s) => s.revoke_reason)).toEqual(['admin', 'admin']);

    const audit = await f.server.store.listAudit({ user: { id: f.alice.id, username: 'alice' }, offset: 0, limit: 3 });
    expect(audit.records.map((r) => [r.event, r.details.by])).toEqual([
      ['revoke_all', 'staff'],
      ['session_revoked', 'staff'],
      ['login_success', undefined],
    ]);
    const rootSessions = await f.call('POST', `${userUrl(f.root.id)}sessions/revoke-all/`, f.access.staff);
    expect(rootSessions.statusCode).toBe(403);
  });
});
