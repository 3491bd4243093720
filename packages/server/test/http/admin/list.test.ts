import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, PERMISSION_DENIED, adminFixtureEachTest, shownUser } from '../../support/admin.js';

interface Page {
  count: number;
  next: string | null;
  previous: string | null;
  results: Array<{ id: number; username: string }>;
}

describe('the admin API: the user list and creating users', () => {
  const f = adminFixtureEachTest();
  const list = async (query: string, access = f.access.staff) => {
    const response = await f.call('GET', `/api/admin/users/${query}`, access);
    expect(response.statusCode).toBe(200);
    return response.json<Page>();
  };
  const names = (page: Page) => page.results.map((u) => u.username);

  it('lists users by id for staff, with DRF pages, and refuses non-staff', async () => {
    const page = await list('');
    expect(page).toMatchObject({ count: 4, count_exact: true, next: null, previous: null });
    expect(names(page)).toEqual(['root', 'staff', 'alice', 'bob']);
    expect(page.results[2]).toEqual(shownUser(f, f.alice));
    const refused = await f.call('GET', '/api/admin/users/', f.access.alice);
    expect([refused.statusCode, refused.json()]).toEqual([403, PERMISSION_DENIED]);
    const created = await f.call('POST', '/api/admin/users/', f.access.alice, { username: 'x', password: 'y' });
    expect([created.statusCode, created.json()]).toEqual([403, PERMISSION_DENIED]);
  });

  it('searches names and emails case-insensitively, with % and _ taken literally, and filters', async () => {
    await f.server.createUser('carol_x', ADMIN_PASSWORD, {
      email: 'Carol@Example.org',
      isActive: false,
      role: 'editor',
    });
    await f.server.createUser('dave', ADMIN_PASSWORD, { lastName: 'Percent%', email: '' });
    expect(names(await list('?search=LIDDELL'))).toEqual(['alice']);
    expect(names(await list('?search=example.ORG'))).toEqual(['carol_x']);
    expect(names(await list('?search=_'))).toEqual(['carol_x']);
    expect(names(await list('?search=%25'))).toEqual(['dave']);
    expect(names(await list('?is_active=false'))).toEqual(['carol_x']);
    expect(names(await list('?is_staff=true'))).toEqual(['root', 'staff']);
    expect(names(await list('?is_superuser=1&is_staff=true'))).toEqual(['root']);
    expect(names(await list('?role=editor&is_active=0'))).toEqual(['carol_x']);
    await f.server.createUser('erin', ADMIN_PASSWORD, { emailVerified: true });
    expect(names(await list('?email_verified=true'))).toEqual(['erin']);
    expect(names(await list('?email_verified=false&is_staff=false'))).toEqual(['alice', 'bob', 'carol_x', 'dave']);
    expect((await list('?search=nobody-matches')).count).toBe(0);
  });

  it('pages forward and back by cursor links that keep the filters', async () => {
    for (let n = 0; n < 6; n += 1) await f.server.createUser(`user${n}`, ADMIN_PASSWORD);
    const first = await list('?search=user&page_size=4');
    expect([first.count, names(first), first.previous]).toEqual([6, ['user0', 'user1', 'user2', 'user3'], null]);
    const lastId = first.results[3]!.id;
    expect(first.next).toBe(`/api/admin/users/?search=user&page_size=4&after=${lastId}`);
    const second = await list(first.next!.replace('/api/admin/users/', ''));
    expect([second.count, names(second), second.next]).toEqual([6, ['user4', 'user5'], null]);
    expect(second.previous).toBe(`/api/admin/users/?search=user&page_size=4&before=${second.results[0]!.id}`);
    const back = await list(second.previous!.replace('/api/admin/users/', ''));
    expect([names(back), back.previous]).toEqual([['user0', 'user1', 'user2', 'user3'], null]);
    expect(back.next).toBe(`/api/admin/users/?search=user&page_size=4&after=${lastId}`);
  });

  it.each([
    ['?after=0', 404, { detail: 'Invalid cursor', code: 'not_found' }],
    ['?after=x', 404, { detail: 'Invalid cursor', code: 'not_found' }],
    ['?after=1&before=9', 404, { detail: 'Invalid cursor', code: 'not_found' }],
    ['?after=99999999999', 404, { detail: 'Invalid cursor', code: 'not_found' }],
    [
      '?is_active=maybe&email_verified=no-idea&page_size=0',
      400,
      {
        is_active: ['Must be a valid boolean.'],
        email_verified: ['Must be a valid boolean.'],
        page_size: ['A valid integer is required.'],
      },
    ],
    ['?search=%00', 400, { search: ['Null characters are not allowed.'] }],
    ['?role=a%00', 400, { role: ['Null characters are not allowed.'] }],
    [`?search=${'x'.repeat(151)}`, 400, { search: ['Ensure this field has no more than 150 characters.'] }],
  ])('answers %s with %i', async (query, status, body) => {
    const response = await f.call('GET', `/api/admin/users/${query}`, f.access.staff);
    expect([response.statusCode, response.json()]).toEqual([status, body]);
  });

  it('creates a user under the password policy, audited with the acting admin', async () => {
    const response = await f.call('POST', '/api/admin/users/', f.access.staff, {
      username: 'erin',
      password: 'a long enough secret',
      email: 'erin@example.com',
      role: 'editor',
      permissions: ['notes.view'],
    });
    expect(response.statusCode).toBe(201);
    const created = response.json<{ id: number }>();
    expect(created).toEqual({
      id: created.id,
      username: 'erin',
      email: 'erin@example.com',
      first_name: '',
      last_name: '',
      is_active: true,
      is_staff: false,
      is_superuser: false,
      email_verified: false,
      role: 'editor',
      permissions: ['notes.view'],
      last_login: null,
      date_joined: new Date(f.server.clock.now()).toISOString(),
    });
    await f.server.login('erin', 'a long enough secret');
    const { records } = await f.server.store.listAudit({ event: 'user_created', offset: 0, limit: 1 });
    expect(records.map((r) => [r.userId, r.username, r.details])).toEqual([
      [created.id, 'erin', { via: 'admin', by: 'staff' }],
    ]);
  });

  it('refuses a bad or taken username and a weak password together, and creates nothing', async () => {
    const taken = await f.call('POST', '/api/admin/users/', f.access.staff, {
      username: 'alice',
      password: '12345678',
    });
    expect([taken.statusCode, taken.json()]).toEqual([
      400,
      {
        username: ['A user with that username already exists.'],
        password: ['This password is too common.', 'This password is entirely numeric.'],
      },
    ]);
    const empty = await f.call('POST', '/api/admin/users/', f.access.staff, { is_staff: 'nope' });
    expect(empty.json()).toEqual({
      username: ['This field is required.'],
      password: ['This field is required.'],
      is_staff: ['Must be a valid boolean.'],
    });
    expect((await list('')).count).toBe(4);
  });

  it('lets only a superuser create staff or superusers', async () => {
    const body = { username: 'frank', password: 'a long enough secret', is_staff: true };
    const refused = await f.call('POST', '/api/admin/users/', f.access.staff, body);
    expect([refused.statusCode, refused.json()]).toEqual([
      403,
      { detail: 'Only a superuser can grant or remove staff or superuser status.', code: 'permission_denied' },
    ]);
    const made = await f.call('POST', '/api/admin/users/', f.access.root, { ...body, is_superuser: true });
    expect(made.json()).toMatchObject({ username: 'frank', is_staff: true, is_superuser: true });
  });
});
