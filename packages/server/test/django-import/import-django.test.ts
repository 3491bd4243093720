// `tessera import django` against a real Django database (see ./fixture.ts):
// into SQLite from Django's SQLite, and into PostgreSQL from Django's
// PostgreSQL. Every user then logs in over HTTP with their Django password,
// and a second import changes nothing.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain, type Outcome } from '../cli/sandbox.js';
import { djangoCheckingHasher, fastHasher } from '../support/hasher.js';
import { createTestServer } from '../support/server.js';
import { availableDialects } from '../support/stores.js';
import { seedUser } from '../support/users.js';
import { sqliteDjango, whyDjangoIsMissing, type DjangoFixture } from './fixture.js';
import { OPTIONS, fixtureOf, importInto, newTarget, usersOf, type Target } from './targets.js';

const missing = whyDjangoIsMissing();

/** What the first import of the fixture prints. */
const FIRST_IMPORT = `Users: 13 imported, 0 updated, 0 unchanged, 0 skipped (of 13 in the Django database).
Password hash formats found (each is rewritten as argon2id at the user's next login):
FORMAT         USERS
pbkdf2_sha256  3
argon2         2
bcrypt         1
bcrypt_sha256  1
md5            1
pbkdf2_sha1    1
scrypt         1
sha1           1
unsalted_md5   1
unusable       1
Users who will need a password reset (no password tessera can check): 1
  "nopass" (unusable)
SimpleJWT blacklist: 1 unexpired entries (jti and expiry only), 1 new to tessera.
`;

describe.skipIf(missing !== null).each(availableDialects())('tessera import django on %s', (dialect) => {
  let django: DjangoFixture;
  let target: Target;
  beforeAll(async () => {
    django = await fixtureOf(dialect);
    target = await newTarget(dialect);
    expect(await importInto(target, django.from)).toEqual({ code: 0, stdout: FIRST_IMPORT, stderr: '' });
  }, 120_000);
  afterAll(() => target?.cleanup());

  it('keeps every id, field and permission, as Django has them', async () => {
    const users = await usersOf(target);
    expect(users.map(({ id, username }) => [id, username])).toEqual(django.users.map((u) => [u.id, u.username]));
    const byName = new Map(users.map((user) => [user.username, user]));
    expect(byName.get('admin')).toMatchObject({
      isStaff: true,
      isSuperuser: true,
      isActive: true,
      email: 'admin@example.com',
      lastLogin: Date.UTC(2024, 2, 1, 17, 0, 0, 123),
      dateJoined: Date.UTC(2024, 2, 1, 12, 0, 0, 123),
      role: 'viewer',
      permissions: django.permissions.admin,
    });
    // The profile's names and email replace auth_user's; the role comes from it too.
    expect(byName.get('editor')).toMatchObject({
      firstName: 'Edna',
      lastName: 'Profile',
      email: 'edna@profile.example',
      isStaff: true,
      isSuperuser: false,
      role: 'editor',
      permissions: ['auth.change_user', 'auth.view_group', 'auth.view_user', 'authtoken.add_token'],
    });
    expect(byName.get('editor')!.permissions).toEqual(django.permissions.editor);
    expect(byName.get('argon')).toMatchObject({
      firstName: 'Argo',
      email: 'argo@profile.example',
      permissions: ['auth.view_group'],
    });
    // Django gives an inactive user no permissions.
    expect(byName.get('sleeper')).toMatchObject({ isActive: false, permissions: [] });
    expect(byName.get('émile')).toMatchObject({ firstName: 'Émile', lastName: '', permissions: [] });
    for (const user of users) expect(user.permissions).toEqual(django.permissions[user.username]);
  });

  it('lets every user log in with their Django password, refuses wrong ones, and stores argon2id after', async () => {
    const server = await createTestServer({}, { hasher: djangoCheckingHasher, store: await target.open() });
    try {
      const refused = { detail: 'No active account found with the given credentials' };
      for (const { username, password: djangoPassword, algorithm } of django.users) {
        const password = djangoPassword ?? 'no password logs in';
        const wrong = await server.post('/api/token/', { username, password: `${password}x` });
        expect([username, wrong.statusCode, wrong.json()]).toEqual([username, 401, refused]);
        const right = await server.post('/api/token/', { username, password });
        const loggedIn = algorithm !== null && username !== 'sleeper';
        expect([username, right.statusCode]).toEqual([username, loggedIn ? 200 : 401]);
        const stored = (await server.store.findUserByUsername(username))!.passwordHash;
        if (loggedIn) {
          expect(Object.keys(right.json<object>()).sort()).toEqual(['access', 'refresh']);
          expect([username, stored.startsWith('$argon2id$')]).toEqual([username, true]);
          expect(await fastHasher.verify(stored, password)).toBe(true);
        } else {
          expect(right.json()).toEqual(refused);
          expect(stored.startsWith('$argon2id$')).toBe(false);
        }
      }
    } finally {
      await server.close();
    }
  });

  it('changes nothing when run again, and keeps the hashes upgraded at login', async () => {
    const before = await usersOf(target);
    expect(before.filter((u) => u.passwordHash.startsWith('$argon2id$'))).toHaveLength(11);
    const again = await importInto(target, django.from);
    expect(again).toEqual({
      code: 0,
      stdout: FIRST_IMPORT.replace(
        '13 imported, 0 updated, 0 unchanged',
        '0 imported, 0 updated, 13 unchanged',
      ).replace('1 new to tessera', '0 new to tessera'),
      stderr: '',
    });
    expect(await usersOf(target)).toEqual(before);
  });

  it('refuses, writing nothing, when ids or usernames are tessera users it did not import', async () => {
    const other = await newTarget(dialect);
    try {
      const store = await other.open();
      await seedUser(store, 'someone', 'correct horse'); // id 1, Django's admin
      await seedUser(store, 'editor', 'correct horse'); // Django's editor is id 13
      await store.close();
      expect(await importInto(other, django.from)).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'tessera: the import collides with existing tessera users (nothing was imported): ' +
          'id 1 is tessera\'s "someone", which no import brought; username "editor" is tessera user 2, Django\'s 13. ' +
          'Import into a new tessera database, or remove those users first.\n',
      });
      expect((await usersOf(other)).map((u) => u.username)).toEqual(['someone', 'editor']);
    } finally {
      other.cleanup();
    }
  });

  it('with --dry-run prints what it would do and writes nothing', async () => {
    const other = await newTarget(dialect);
    try {
      const outcome = await importInto(other, django.from, [...OPTIONS, '--dry-run']);
      expect(outcome).toEqual({
        code: 0,
        stdout: `Dry run: nothing was written. The import would do this:\n${FIRST_IMPORT}`,
        stderr: '',
      });
      expect(await usersOf(other)).toEqual([]);
      const store = await other.open();
      expect((await store.listAudit({ offset: 0, limit: 10 })).count).toBe(0);
      // The next user tessera creates gets an id of its own.
      expect((await seedUser(store, 'native', 'correct horse')).id).toBe(1);
      await store.close();
    } finally {
      other.cleanup();
    }
  });
});

describe.skipIf(missing !== null)('tessera import django, changes in Django since the last import', () => {
  let django: DjangoFixture;
  let target: Target;
  let copy: string;
  beforeAll(async () => {
    django = await sqliteDjango();
    target = await newTarget('sqlite');
    copy = join(mkdtempSync(join(tmpdir(), 'tessera-django-copy-')), 'db.sqlite3');
    copyFileSync(django.path!, copy);
  }, 120_000);
  afterAll(() => target?.cleanup());

  it('updates what changed, ends the sessions a Django change would, and keeps a password changed in tessera', async () => {
    expect((await importInto(target, `sqlite:${copy}`)).code).toBe(0);
    const server = await createTestServer({}, { hasher: djangoCheckingHasher, store: await target.open() });
    await server.login('md5user', 'md5-pass-1'); // upgraded to argon2id in tessera
    const { refresh } = await server.login('sha1user', 'sha1-pass-1');
    await server.close();

    const djangoDb = new BetterSqlite3(copy);
    const md5 = djangoDb.prepare("select password from auth_user where username = 'bc'").get() as { password: string };
    djangoDb.prepare("update auth_user set password = ? where username in ('md5user', 'sha1user')").run(md5.password);
    djangoDb.prepare("update auth_user set email = 'new@example.com' where username = 'bare_md5'").run();
    djangoDb.prepare("update auth_user set is_active = 0 where username = 'scrypter'").run();
    djangoDb.close();

    const outcome = await importInto(target, `sqlite:${copy}`);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout.split('\n').slice(0, 5)).toEqual([
      'Users: 0 imported, 2 updated, 11 unchanged, 0 skipped (of 13 in the Django database).',
      "Passwords changed in tessera since the last import, kept (Django's differs): 2",
      '  "md5user"',
      '  "sha1user"',
      "Password hash formats found (each is rewritten as argon2id at the user's next login):",
    ]);
    const users = new Map((await usersOf(target)).map((user) => [user.username, user]));
    expect(users.get('md5user')!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(users.get('bare_md5')!.email).toBe('new@example.com');
    expect(users.get('scrypter')!.isActive).toBe(false);

    const after = await createTestServer({}, { hasher: djangoCheckingHasher, store: await target.open() });
    try {
      // The session sha1user started in tessera lives on: nothing of theirs changed.
      expect((await after.post('/api/token/refresh/', { refresh })).statusCode).toBe(200);
      expect((await after.post('/api/token/', { username: 'md5user', password: 'md5-pass-1' })).statusCode).toBe(200);
      expect((await after.post('/api/token/', { username: 'scrypter', password: 'scrypt-pass-1' })).statusCode).toBe(
        401,
      );
    } finally {
      await after.close();
    }
  });
});

describe('tessera import django refuses what it cannot read', () => {
  let dir: string;
  let target: Target;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-not-django-'));
    target = await newTarget('sqlite');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    target.cleanup();
  });

  const failure = (message: string): Outcome => ({ code: 1, stdout: '', stderr: `tessera: ${message}\n` });

  it("names the missing tables and columns of a database that is not Django's", async () => {
    const path = join(dir, 'other.sqlite3');
    const db = new BetterSqlite3(path);
    db.exec('create table auth_user (id integer primary key, username text, password text, email text)');
    db.exec('create table django_content_type (id integer primary key, app_label text, model text)');
    db.close();
    expect(await importInto(target, `sqlite:${path}`, [])).toEqual(
      failure(
        'not a Django database tessera can import: missing auth_user.first_name, auth_user.last_name, ' +
          'auth_user.is_active, auth_user.is_staff, auth_user.is_superuser, auth_user.last_login, ' +
          'auth_user.date_joined, table auth_permission, table auth_user_groups, table auth_group_permissions, ' +
          "table auth_user_user_permissions (run Django's migrate first?)",
      ),
    );
    expect(await usersOf(target)).toEqual([]);
  });

  it.each([
    [
      ['--from', 'mysql://x'],
      '--from must start with sqlite: (e.g. sqlite:./data/tessera.sqlite) or postgres:// (e.g. postgres://user@host:5432/db).',
    ],
    [[], '--from is required: sqlite:PATH or postgres://user@host:5432/db, the Django database'],
    [
      ['--from', 'sqlite:/nonexistent/db.sqlite3'],
      'cannot open the Django database /nonexistent/db.sqlite3: Cannot open database because the directory does not exist',
    ],
  ])('refuses %j', async (args, message) => {
    expect(await runMain(['import', 'django', ...args], { DATABASE_URL: target.databaseUrl })).toEqual(
      failure(message),
    );
  });

  it.skipIf(missing !== null).each([
    [['--role-from', 'base_profile'], '--role-from takes TABLE.COLUMN, e.g. base_profile.role; got "base_profile"'],
    [['--role-from', 'base_profile.role;drop'], '--role-from: "role;drop" is not a table or column name'],
    [
      ['--profile-table', 'nope'],
      "not a Django database tessera can import: missing table nope (run Django's migrate first?)",
    ],
    [
      ['--role-from', 'base_profile.grade'],
      "not a Django database tessera can import: missing base_profile.grade (run Django's migrate first?)",
    ],
  ])('refuses the options %j', async (args, message) => {
    const django = await sqliteDjango();
    expect(await importInto(target, django.from, args)).toEqual(failure(message));
    expect(await usersOf(target)).toEqual([]);
  });
});
