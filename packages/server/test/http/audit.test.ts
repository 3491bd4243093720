import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, claimsOf, createTestServer, type TestServer } from '../support/server.js';

type Pair = { access: string; refresh: string };
interface Entry {
  id: number;
  at: string;
  event: string;
  user_id: number | null;
  username: string;
  session_id: string | null;
  ip: string;
  user_agent: string;
  details: Record<string, unknown>;
}
interface Page {
  count: number;
  next: string | null;
  previous: string | null;
  results: Entry[];
}

const PASSWORD = 'correct horse';
const NEW_PASSWORD = 'battery staple 42';

describe('the audit log', () => {
  let server: TestServer;
  let admin: Pair;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_REGISTRATION: 'open' });
    await server.createUser('alice', PASSWORD);
    await server.createUser('root', 'root password', { isStaff: true });
    admin = await server.login('root', 'root password');
  });
  afterEach(() => server.close());

  const audit = async (query = '', access = admin.access) => {
    const response = await server.app.inject({ method: 'GET', url: `/api/audit/${query}`, headers: bearer(access) });
    expect(response.statusCode).toBe(200);
    return response.json<Page>();
  };
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    server.post(url, body, { 'user-agent': 'AuditTest/1.0', ...headers });

  it('records each security event with user, session, address and user agent, newest first', async () => {
    await post('/api/token/', { username: 'alice', password: 'wrong password' });
    await post('/api/token/', { username: 'nobody', password: PASSWORD });
    const first = (await post('/api/token/', { username: 'alice', password: PASSWORD })).json<Pair>();
    const sid = claimsOf(first.access).sid as string;
    server.clock.advance(1);
    const second = (await post('/api/token/refresh/', { refresh: first.refresh })).json<Pair>();
    await post('/api/token/refresh/', { refresh: first.refresh });
    await post('/api/password/change/', { old_password: PASSWORD, new_password: NEW_PASSWORD }, bearer(second.access));
    const other = (await post('/api/token/', { username: 'alice', password: NEW_PASSWORD })).json<Pair>();
    const otherSid = claimsOf(other.access).sid as string;
    await server.app.inject({
      method: 'DELETE',
      url: `/api/sessions/${otherSid}/`,
      headers: { ...bearer(second.access), 'user-agent': 'AuditTest/1.0' },
    });
    await post('/api/auth/logout/', { refresh: second.refresh }, bearer(second.access));
    server.clock.advance(10);
    await post('/api/token/refresh/', { refresh: first.refresh });
    const third = (await post('/api/token/', { username: 'alice', password: NEW_PASSWORD })).json<Pair>();
    await post('/api/token/revoke-all/', {}, bearer(third.access));
    await post('/api/register/', { username: 'carol', password: 'a long enough secret' });

    const page = await audit('?user=alice');
    const alice = (await server.store.findUserByUsername('alice'))!.id;
    const rows = page.results.map((e) => [
      e.event,
      e.user_id,
      e.session_id === sid ? 'first' : e.session_id,
      e.details,
    ]);
    expect(rows.reverse()).toEqual([
      ['login_failure', alice, null, { reason: 'bad_password' }],
      ['login_success', alice, 'first', {}],
      ['refresh', alice, 'first', {}],
      ['refresh', alice, 'first', { within_grace: true }],
      ['password_changed', alice, 'first', {}],
      ['login_success', alice, otherSid, {}],
      ['session_revoked', alice, otherSid, { by: 'another_session' }],
      ['logout', alice, 'first', { via: 'logout' }],
      // The session had ended already: no reuse to report, just a refusal.
      ['login_success', alice, claimsOf(third.access).sid, {}],
      ['revoke_all', alice, claimsOf(third.access).sid, {}],
    ]);
    expect(page.count).toBe(10);
    for (const entry of page.results) {
      expect(entry).toMatchObject({ username: 'alice', ip: '127.0.0.1', user_agent: 'AuditTest/1.0' });
      expect(entry.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    expect((await audit('?user=nobody')).results).toMatchObject([
      { event: 'login_failure', user_id: null, username: 'nobody', details: { reason: 'unknown_user' } },
    ]);
    expect((await audit('?event=user_created')).results).toMatchObject([
      { event: 'user_created', username: 'carol', details: { via: 'register' } },
    ]);
  });

  it('records reuse of a refresh token with the address and user agent', async () => {
    const pair = (await post('/api/token/', { username: 'alice', password: PASSWORD })).json<Pair>();
    await post('/api/token/refresh/', { refresh: pair.refresh });
    server.clock.advance(10);
    await post('/api/token/refresh/', { refresh: pair.refresh }, { 'user-agent': 'Thief/2.0' });
    expect((await audit('?event=refresh_token_reuse')).results).toMatchObject([
      { username: 'alice', session_id: claimsOf(pair.refresh).sid, ip: '127.0.0.1', user_agent: 'Thief/2.0' },
    ]);
  });

  it('never holds a password or a token, and escapes control characters', async () => {
    const hostile = 'eve\n{"event":"forged"}\u001b[2J';
    await post('/api/token/', { username: hostile, password: 'hunter2 secret' }, { 'user-agent': 'Bad\u0007Agent' });
    const pair = (await post('/api/token/', { username: 'alice', password: PASSWORD })).json<Pair>();
    const rotated = (await post('/api/token/refresh/', { refresh: pair.refresh })).json<Pair>();
    await post('/api/password/change/', { old_password: PASSWORD, new_password: NEW_PASSWORD }, bearer(rotated.access));

    const all = await audit('?page_size=500');
    const text = JSON.stringify(all);
    for (const secret of [PASSWORD, NEW_PASSWORD, 'hunter2 secret', pair.access, pair.refresh, rotated.refresh]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(pair.refresh.split('.')[2]);
    const failure = all.results.find((e) => e.event === 'login_failure')!;
    expect(failure.username).toBe('eve\\u000a{"event":"forged"}\\u001b[2J');
    expect(failure.user_agent).toBe('Bad\\u0007Agent');
  });

  it('pages with count, next and previous, and filters by time', async () => {
    const t0 = server.clock.now();
    for (let i = 0; i < 5; i++) {
      server.clock.advance(60);
      await post('/api/token/', { username: 'alice', password: 'wrong password' });
    }
    admin = await server.login('root', 'root password');
    const first = await audit('?event=login_failure&page_size=2');
    expect(first.count).toBe(5);
    expect(first.previous).toBeNull();
    expect(first.next).toBe('/api/audit/?event=login_failure&page_size=2&page=2');
    const last = await audit('?event=login_failure&page_size=2&page=3');
    expect(last.results).toHaveLength(1);
    expect(last.next).toBeNull();
    expect(last.previous).toBe('/api/audit/?event=login_failure&page_size=2&page=2');
    const ats = [
      ...first.results,
      ...(await audit('?event=login_failure&page_size=2&page=2')).results,
      ...last.results,
    ];
    expect(ats.map((e) => Date.parse(e.at))).toEqual([5, 4, 3, 2, 1].map((n) => t0 + n * 60_000));

    const since = new Date(t0 + 120_000).toISOString();
    const until = String(t0 + 240_000);
    const window = await audit(`?event=login_failure&since=${since}&until=${until}`);
    expect(window.results.map((e) => Date.parse(e.at))).toEqual([t0 + 180_000, t0 + 120_000]);
  });

  it.each([
    ['?page=99', 404, { detail: 'Invalid page.', code: 'not_found' }],
    ['?page=0', 404, { detail: 'Invalid page.', code: 'not_found' }],
    ['?page=x', 404, { detail: 'Invalid page.', code: 'not_found' }],
    ['?event=nope', 400, { event: ['Select a valid choice. "nope" is not one of the available choices.'] }],
    [
      '?since=yesterday&until=2026-13-45',
      400,
      { since: ['Enter a valid date/time.'], until: ['Enter a valid date/time.'] },
    ],
    // Query values are checked as body fields are: PostgreSQL cannot compare a NUL.
    ['?user=%00', 400, { user: ['Null characters are not allowed.'] }],
    ['?user=alice%00', 400, { user: ['Null characters are not allowed.'] }],
    [
      '?event=%00&since=1%00&page=%00',
      400,
      {
        event: ['Null characters are not allowed.'],
        since: ['Null characters are not allowed.'],
        page: ['Null characters are not allowed.'],
      },
    ],
  ])('answers %s with %i', async (query, status, body) => {
    const response = await server.app.inject({
      method: 'GET',
      url: `/api/audit/${query}`,
      headers: bearer(admin.access),
    });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual(body);
  });

  it('is for staff only', async () => {
    const alice = await server.login('alice', PASSWORD);
    const response = await server.app.inject({ method: 'GET', url: '/api/audit/', headers: bearer(alice.access) });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      detail: 'You do not have permission to perform this action.',
      code: 'permission_denied',
    });
    const anonymous = await server.app.inject({ method: 'GET', url: '/api/audit/' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('exports the filtered entries as CSV, at /api/admin/audit/ too, with client text unable to become a formula', async () => {
    await post('/api/token/', { username: '=HYPERLINK("http://evil")', password: 'x' });
    await post('/api/token/', { username: 'alice', password: 'wrong, "quoted"' });
    for (const url of [
      '/api/audit/?event=login_failure&format=csv',
      '/api/admin/audit/?format=csv&event=login_failure',
    ]) {
      const response = await server.app.inject({ method: 'GET', url, headers: bearer(admin.access) });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="tessera-audit.csv"');
      const page = await audit('?event=login_failure');
      const [alice, evil] = page.results;
      const at = (entry: Entry) => entry.at;
      expect(response.body).toBe(
        'id,at,event,user_id,username,session_id,ip,user_agent,details\r\n' +
          `${alice!.id},${at(alice!)},login_failure,${alice!.user_id},alice,,127.0.0.1,AuditTest/1.0,"{""reason"":""bad_password""}"\r\n` +
          `${evil!.id},${at(evil!)},login_failure,,"'=HYPERLINK(""http://evil"")",,127.0.0.1,AuditTest/1.0,"{""reason"":""unknown_user""}"\r\n`,
      );
    }
    const bad = await server.app.inject({
      method: 'GET',
      url: '/api/audit/?format=xml',
      headers: bearer(admin.access),
    });
    expect([bad.statusCode, bad.json()]).toEqual([
      400,
      { format: ['Select a valid choice. "xml" is not one of the available choices.'] },
    ]);
    const alice = await server.login('alice', PASSWORD);
    const refused = await server.app.inject({
      method: 'GET',
      url: '/api/admin/audit/?format=csv',
      headers: bearer(alice.access),
    });
    expect([refused.statusCode, refused.json()]).toEqual([
      403,
      { detail: 'You do not have permission to perform this action.', code: 'permission_denied' },
    ]);
  });
});
