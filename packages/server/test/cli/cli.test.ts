// The `tessera` command on a real SQLite file in a fresh temporary directory
// per test. Commands run in-process through `main(argv, io)` (see
// ./sandbox.ts); the real bin runs as a child process where the process
// itself is what is tested: exit statuses through the bin, the linked
// `npx tessera`, `serve`, and one PostgreSQL round of migrate, createuser and
// users. The test opens the same file through the store to seed data and to
// check what the command did.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject } from 'vitest';
import { CLI_CLIENT, auditEntry } from '../../src/auth/audit.js';
import { createArgon2idHasher } from '../../src/passwords/argon2.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { seedUser } from '../support/users.js';
import {
  BIN,
  LINKED_BIN,
  PATH,
  ROOT,
  run,
  runMain,
  sandboxTest,
  seedSession,
  type Outcome,
  type Sandbox,
} from './sandbox.js';

const ARGON2ID_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$';
const COMMANDS = [
  'serve',
  'migrate',
  'createuser',
  'createsuperuser',
  'changepassword',
  'deactivate',
  'activate',
  'verifyemail',
  'edituser',
  'setstaff',
  'unsetstaff',
  'setsuperuser',
  'unsetsuperuser',
  'setrole',
  'grant-permission',
  'revoke-permission',
  'deleteuser',
  'users',
  'sessions',
  'revoke',
  'audit',
  'services',
  'outbox',
  'flushexpired',
  'import',
  'revoke-drf-tokens',
  'keys',
];

/** The production hasher: the CLI's hashes are checked at full strength. */
const hasher = createArgon2idHasher();

const it = sandboxTest('tessera-cli-');

/** Success: exit 0, `stdout` exactly, nothing on stderr. */
const succeeded = (stdout: string): Outcome => ({ code: 0, stdout, stderr: '' });

/** Failure: exit `code`, exactly one line on stderr, `tessera: message`. */
const failed = (message: string, { code = 1, stdout = '' } = {}): Outcome => ({
  code,
  stdout,
  stderr: `tessera: ${message}\n`,
});

/** A user `alice` (password `old password`) with two live sessions. */
async function seedAliceWithSessions(sandbox: Sandbox): Promise<void> {
  await sandbox.withStore(async (store) => {
    const alice = await seedUser(store, 'alice', 'old password');
    await seedSession(store, alice.id, 'laptop');
    await seedSession(store, alice.id, 'phone');
  });
}

async function revokedAtOf(sandbox: Sandbox, sessionIds: string[]): Promise<(number | null | undefined)[]> {
  return sandbox.withStore((store) =>
    Promise.all(sessionIds.map(async (id) => (await store.findSession(id))?.revokedAt)),
  );
}

describe.concurrent('tessera help and command dispatch', () => {
  let usage = '';
  beforeAll(async () => {
    usage = (await runMain(['help'], { PATH })).stdout;
  });

  it('help prints the usage listing every command and exits 0 without touching the database', async ({ sandbox }) => {
    const outcome = await sandbox.tessera(['help'], { env: { DATABASE_URL: 'mysql://not-even-valid' } });
    expect(outcome).toEqual(succeeded(usage));
    expect(usage).toMatch(/^Usage: tessera <command> \[options\]\n\nCommands:\n/);
    expect([...usage.matchAll(/^ {2}([a-z-]+)/gm)].map((match) => match[1])).toEqual(COMMANDS);
    expect(usage).toMatch(/\nEvery command reads DATABASE_URL \(default sqlite:.\/data\/tessera.sqlite\)\.\n$/);
    expect(existsSync(sandbox.dbPath)).toBe(false);
  });

  it.for([
    [['--help'], 0],
    [['-h'], 0],
    [[], 2],
  ] as const)('%j prints the same usage on stdout and exits %i, through the bin', async ([args, code], { sandbox }) => {
    expect(await sandbox.binary([...args])).toEqual({ code, stdout: usage, stderr: '' });
  });

  it('node_modules/.bin/tessera, what npx tessera runs, is the same command', async ({ sandbox }) => {
    const env = { PATH, DATABASE_URL: `sqlite:${sandbox.dbPath}` };
    expect(await run(LINKED_BIN, ['help'], ROOT, env)).toEqual(succeeded(usage));
  });

  it.for<[string, string]>([
    ['frobnicate', 'unknown command "frobnicate"; run "tessera help" for the list'],
    ['two\nlines', 'unknown command "two\\nlines"; run "tessera help" for the list'],
  ])('an unknown command %j exits 2 with one line on stderr', async ([command, message], { sandbox }) => {
    expect(await sandbox.tessera([command])).toEqual(failed(message, { code: 2 }));
  });

  it.for([
    [['migrate', 'extra'], "Unexpected argument 'extra'. This command does not take positional arguments"],
    [['flushexpired', 'extra'], "Unexpected argument 'extra'. This command does not take positional arguments"],
    [['users', '--all'], "Unknown option '--all'"],
    [
      ['changepassword', 'alice', '--all'],
      "Unknown option '--all'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--all\"",
    ],
  ] as const)("%j exits 1 with the argument parser's one line", async ([args, message], { sandbox }) => {
    expect(await sandbox.tessera([...args])).toEqual(failed(message));
  });
});

describe.concurrent('tessera serve', () => {
  it('listens on PORT with the DATABASE_URL store, serves logins, and exits 0 on SIGTERM', async ({ sandbox }) => {
    await sandbox.withStore((store) => seedUser(store, 'alice', 'correct horse'));
    const env = { PATH, DATABASE_URL: `sqlite:${sandbox.dbPath}`, PORT: '0', TESSERA_SECRET_KEY: 'k'.repeat(48) };
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: sandbox.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          const listening = /"Server listening at (http:\/\/[^"]+)"/.exec(stdout);
          if (listening) resolve(listening[1]!);
        });
        child.on('close', (code) =>
          reject(new Error(`serve exited with ${code} before listening: ${stdout}${stderr}`)),
        );
      });
      const response = await fetch(`${url}/api/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'correct horse' }),
      });
      expect(response.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('"msg":"SIGTERM received, closing"');
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

/**
 * Runs `tessera serve` (the bin, stdout a pipe: not a terminal) on a free
 * port with no web app, until stdout shows the banner's last line.
 */
async function serveUntilBanner(
  sandbox: Sandbox,
  env: Record<string, string> = {},
): Promise<{ stdout: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: sandbox.dir,
    env: {
      PATH,
      DATABASE_URL: `sqlite:${sandbox.dbPath}`,
      PORT: '0',
      TESSERA_SECRET_KEY: 'k'.repeat(48),
      TESSERA_WEB_ROOT: sandbox.dir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('Web app:')) resolve();
    });
    child.on('close', (code) => reject(new Error(`serve exited with ${code} before its banner: ${stdout}`)));
  });
  return {
    stdout: () => stdout,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe.concurrent('tessera serve says what to do next', () => {
  const NOT_BUILT = 'not built: `npm start` builds it, or `npm run build:web`';

  it('when stdout is not a terminal, as JSON log records, so every line still parses', async ({ sandbox }) => {
    const serve = await serveUntilBanner(sandbox);
    expect(await serve.stop()).toBe(0);
    const messages = serve
      .stdout()
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    const url = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(messages[0] ?? '')?.[1] ?? '?';
    expect(messages).toEqual([
      `Server listening at ${url}`,
      NOT_BUILT,
      `tessera is running at ${url}/`,
      `API docs:      ${url}/api/docs/`,
      'Sessions:      HttpOnly Secure cookies with CSRF checks, and Bearer tokens',
      'Mail:          not sent (TESSERA_SMTP_URL is unset): each message is logged and written to data/outbox/',
      `Log in:        POST ${url}/api/token/ {"username", "password"}`,
      'First user:    npx tessera createuser --username alice   (in another terminal)',
      `Web app:       ${NOT_BUILT}`,
      'SIGTERM received, closing',
    ]);
  });

  it('with LOG_FORMAT=pretty, as the banner, then one line per request', async ({ sandbox }) => {
    const serve = await serveUntilBanner(sandbox, { LOG_FORMAT: 'pretty' });
    const url = /INFO Server listening at (\S+)\n/.exec(serve.stdout())?.[1] ?? '?';
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await serve.stop()).toBe(0);
    const time = String.raw`\d\d:\d\d:\d\d`;
    expect(
      serve
        .stdout()
        .replace(new RegExp(time, 'g'), 'HH:MM:SS')
        .replace(/\d+(\.\d)? ms/, 'N ms'),
    ).toBe(
      [
        `HH:MM:SS INFO Server listening at ${url}`,
        `HH:MM:SS INFO ${NOT_BUILT}`,
        '',
        `  tessera is running at ${url}/`,
        `  API docs:      ${url}/api/docs/`,
        '  Sessions:      HttpOnly Secure cookies with CSRF checks, and Bearer tokens',
        '  Mail:          not sent (TESSERA_SMTP_URL is unset): each message is logged and written to data/outbox/',
        `  Log in:        POST ${url}/api/token/ {"username", "password"}`,
        '  First user:    npx tessera createuser --username alice   (in another terminal)',
        `  Web app:       ${NOT_BUILT}`,
        '',
        'HH:MM:SS GET /healthz 200 N ms',
        'HH:MM:SS INFO SIGTERM received, closing',
        '',
      ].join('\n'),
    );
  });
});

describe.concurrent('tessera with an invalid configuration', () => {
  it.for([
    [
      { DATABASE_URL: 'mysql://x' },
      'DATABASE_URL must start with sqlite: (e.g. sqlite:./data/tessera.sqlite) or postgres:// (e.g. postgres://user@host:5432/db).',
    ],
    [
      { TESSERA_ACCESS_TOKEN_LIFETIME: 'abc' },
      'TESSERA_ACCESS_TOKEN_LIFETIME="abc" must be a whole number from 1 to 86400.',
    ],
    [
      { DATABASE_URL: 'sqlite:', LOG_LEVEL: 'loud' },
      'DATABASE_URL needs a SQLite path, e.g. sqlite:./data/tessera.sqlite, sqlite:////var/lib/tessera.sqlite or sqlite::memory:. LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent.',
    ],
  ] as const)('%j exits 1 with every problem on one line and creates nothing', async ([env, problems], { sandbox }) => {
    expect(await sandbox.tessera(['migrate'], { env })).toEqual(failed(`invalid configuration: ${problems}`));
    expect(existsSync(sandbox.dbPath)).toBe(false);
  });

  it('reads .env in the working directory, and a variable set in the environment wins over it', async ({ sandbox }) => {
    await writeFile(join(sandbox.dir, '.env'), 'TESSERA_ACCESS_TOKEN_LIFETIME=abc\nLOG_LEVEL=loud\n');
    expect(await sandbox.binary(['migrate'], { env: { LOG_LEVEL: 'info' } })).toEqual(
      failed('invalid configuration: TESSERA_ACCESS_TOKEN_LIFETIME="abc" must be a whole number from 1 to 86400.'),
    );
    expect(existsSync(sandbox.dbPath)).toBe(false);
  });

  it('an unreachable PostgreSQL: exit 1 with one line that says so', async ({ sandbox }) => {
    expect(await sandbox.tessera(['users'], { env: { DATABASE_URL: 'postgres://u@127.0.0.1:1/db' } })).toEqual(
      failed('cannot reach the database (connect ECONNREFUSED 127.0.0.1:1); is it running?'),
    );
  });
});

describe.runIf(inject('postgresUrl') !== null)('tessera on PostgreSQL', () => {
  it('migrates, creates a user and lists it, through the bin', async ({ sandbox }) => {
    const env = { DATABASE_URL: inject('postgresUrl') ?? '' };
    expect(await sandbox.binary(['migrate'], { env })).toEqual(
      succeeded('Migrations applied; the schema is up to date.\n'),
    );
    const username = `pg${Date.now()}`;
    const created = await sandbox.binary(['createuser', '--username', username, '--password', 'pw-for-tests'], {
      env,
    });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^Created user "${username}" \\(id \\d+\\)\\.\\n$`));
    expect((await sandbox.binary(['users'], { env })).stdout).toContain(`  ${username}  `);
  });
});

describe.concurrent('tessera migrate', () => {
  it('creates the database file, and its directories, with the schema in place, and says which directories', async ({
    sandbox,
  }) => {
    const dbPath = join(sandbox.dir, 'nested', 'dir', 'db.sqlite');
    expect(await sandbox.tessera(['migrate'], { env: { DATABASE_URL: `sqlite:${dbPath}` } })).toEqual(
      succeeded(
        `Created the directory ${JSON.stringify(join(sandbox.dir, 'nested'))} for the SQLite database.\n` +
          'Migrations applied; the schema is up to date.\n',
      ),
    );
    expect(existsSync(dbPath)).toBe(true);
    const store = await openSqliteStore({ path: dbPath, migrate: false });
    try {
      expect(await store.listUsers()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('run twice succeeds both times and keeps the data', async ({ sandbox }) => {
    const done = succeeded('Migrations applied; the schema is up to date.\n');
    expect(await sandbox.tessera(['migrate'])).toEqual(done);
    await sandbox.withStore((store) => seedUser(store, 'alice', 'pw'));
    expect(await sandbox.tessera(['migrate'])).toEqual(done);
    expect((await sandbox.user('alice')).username).toBe('alice');
  });
});

describe.concurrent('tessera createuser', () => {
  it('stores every field given, with an argon2id hash of the password', async ({ sandbox }) => {
    const before = Date.now();
    const outcome = await sandbox.tessera([
      'createuser',
      '--username',
      'alice',
      '--password',
      'correct horse',
      '--email',
      'alice@example.com',
      '--first-name',
      'Alice',
      '--last-name',
      'Liddell',
      '--inactive',
      '--staff',
      '--role',
      'editor',
      '--permission',
      'posts.add',
      '--permission',
      'posts.delete',
    ]);
    const after = Date.now();
    expect(outcome).toEqual(succeeded('Created user "alice" (id 1).\n'));
    const alice = await sandbox.user('alice');
    expect(alice).toEqual({
      id: 1,
      username: 'alice',
      passwordHash: expect.any(String) as string,
      email: 'alice@example.com',
      firstName: 'Alice',
      lastName: 'Liddell',
      isActive: false,
      isStaff: true,
      isSuperuser: false,
      lastLogin: null,
      dateJoined: expect.any(Number) as number,
      role: 'editor',
      permissions: ['posts.add', 'posts.delete'],
      emailVerified: false,
      pendingEmail: '',
    });
    expect(alice.dateJoined).toBeGreaterThanOrEqual(before);
    expect(alice.dateJoined).toBeLessThanOrEqual(after);
    expect(alice.passwordHash.startsWith(ARGON2ID_PREFIX)).toBe(true);
    expect(alice.passwordHash).not.toContain('correct horse');
    expect(await hasher.verify(alice.passwordHash, 'correct horse')).toBe(true);
    expect(await sandbox.tessera(['users'])).toEqual(
      succeeded(
        [
          'ID  USERNAME  EMAIL              ACTIVE  STAFF  SUPERUSER  ROLE    LAST LOGIN',
          '1   alice     alice@example.com  no      yes    no         editor  -',
          '',
        ].join('\n'),
      ),
    );
  });

  it('defaults to an active viewer with no names, email, flags or permissions', async ({ sandbox }) => {
    expect(await sandbox.tessera(['createuser', '--username', 'bob', '--password', 'pw-for-tests'])).toEqual(
      succeeded('Created user "bob" (id 1).\n'),
    );
    expect(await sandbox.user('bob')).toMatchObject({
      email: '',
      firstName: '',
      lastName: '',
      isActive: true,
      isStaff: false,
      isSuperuser: false,
      role: 'viewer',
      permissions: [],
    });
  });

  it('--verified marks the address verified, and needs --email', async ({ sandbox }) => {
    const args = ['createuser', '--username', 'erin', '--password', 'pw-for-tests', '--verified'];
    expect(await sandbox.tessera(args)).toEqual(failed('--verified needs --email: it marks that address verified'));
    expect(await sandbox.tessera([...args, '--email', 'erin@example.com'])).toEqual(
      succeeded('Created user "erin" (id 1).\n'),
    );
    expect(await sandbox.user('erin')).toMatchObject({ email: 'erin@example.com', emailVerified: true });
  });

  it("verifyemail marks one user's address verified, or with --all every address, as after an import", async ({
    sandbox,
  }) => {
    await sandbox.withStore(async (store) => {
      await seedUser(store, 'alice', 'pw', { email: 'alice@example.com' });
      await seedUser(store, 'bob', 'pw', { email: 'bob@example.com' });
      await seedUser(store, 'nomail', 'pw', { email: '' });
    });
    expect(await sandbox.tessera(['verifyemail', 'alice'])).toEqual(
      succeeded('Marked the address of "alice" verified.\n'),
    );
    expect(await sandbox.tessera(['verifyemail', 'nomail'])).toEqual(
      failed('"nomail" has no e-mail address to mark verified'),
    );
    expect(await sandbox.tessera(['verifyemail', '--all'])).toEqual(succeeded('Marked 1 addresses verified.\n'));
    expect((await sandbox.user('bob')).emailVerified).toBe(true);
    expect((await sandbox.user('nomail')).emailVerified).toBe(false);
    const [entry] = (
      await sandbox.withStore((store) => store.listAudit({ event: 'email_verified', offset: 0, limit: 5 }))
    ).records;
    expect(entry).toMatchObject({ username: 'bob', details: { via: 'cli' } });
  });

  it('--superuser makes the user staff too', async ({ sandbox }) => {
    expect(
      await sandbox.tessera(['createuser', '--username', 'root', '--password', 'pw-for-tests', '--superuser']),
    ).toEqual(succeeded('Created user "root" (id 1).\n'));
    expect(await sandbox.user('root')).toMatchObject({ isActive: true, isStaff: true, isSuperuser: true });
  });

  it('takes the password from TESSERA_PASSWORD, and --password over it', async ({ sandbox }) => {
    const env = { TESSERA_PASSWORD: 'from the environment' };
    expect(await sandbox.tessera(['createuser', '--username', 'carol'], { env })).toEqual(
      succeeded('Created user "carol" (id 1).\n'),
    );
    expect(await sandbox.tessera(['createuser', '--username', 'dave', '--password', 'from the flag'], { env })).toEqual(
      succeeded('Created user "dave" (id 2).\n'),
    );
    expect(await hasher.verify((await sandbox.user('carol')).passwordHash, 'from the environment')).toBe(true);
    expect(await hasher.verify((await sandbox.user('dave')).passwordHash, 'from the flag')).toBe(true);
  });

  it('asks for the password twice on piped stdin', async ({ sandbox }) => {
    const outcome = await sandbox.tessera(['createuser', '--username', 'erin'], { input: 'typed in\ntyped in\n' });
    expect(outcome).toEqual(succeeded('Password: \nPassword (again): \nCreated user "erin" (id 1).\n'));
    expect(await hasher.verify((await sandbox.user('erin')).passwordHash, 'typed in')).toBe(true);
  });

  it.for<[string, string, string]>([
    ['typed in\ntyped on\n', "the passwords didn't match", 'Password: \nPassword (again): \n'],
    ['typed in\n', 'input ended before every question was answered', 'Password: \nPassword (again): \n'],
    ['', 'input ended before every question was answered', 'Password: \n'],
    [' \n \n', 'the password may not be blank', 'Password: \nPassword (again): \n'],
  ])(
    'with prompted passwords %j exits 1 with "%s" and creates no user',
    async ([input, message, stdout], { sandbox }) => {
      expect(await sandbox.tessera(['createuser', '--username', 'erin'], { input })).toEqual(
        failed(message, { stdout }),
      );
      expect(await sandbox.withStore((store) => store.listUsers())).toEqual([]);
    },
  );

  it('stores a fullwidth --username in NFKC form, and refuses a look-alike of a taken name', async ({ sandbox }) => {
    const created = await sandbox.tessera(['createuser', '--username', 'ｂｏｂ', '--password', 'pw-for-tests']);
    expect(created).toEqual(succeeded('Created user "bob" (id 1).\n'));
    expect(await sandbox.tessera(['createuser', '--username', 'ｂob', '--password', 'pw-for-tests'])).toEqual(
      failed('the username "bob" is taken'),
    );
    expect((await sandbox.withStore((store) => store.listUsers())).map((user) => user.username)).toEqual(['bob']);
  });

  it('refuses a taken username and leaves the first user as it was', async ({ sandbox }) => {
    const first = await sandbox.withStore((store) => seedUser(store, 'alice', 'first'));
    expect(await sandbox.tessera(['createuser', '--username', 'alice', '--password', 'second password'])).toEqual(
      failed('the username "alice" is taken'),
    );
    expect(await sandbox.withStore((store) => store.listUsers())).toEqual([first]);
  });

  it('refuses a taken username before asking for a password', async ({ sandbox }) => {
    await sandbox.withStore((store) => seedUser(store, 'alice', 'first'));
    expect(await sandbox.tessera(['createuser', '--username', 'alice'], { input: 'typed in\ntyped in\n' })).toEqual(
      failed('the username "alice" is taken'),
    );
  });

  it.for(['notanemail', 'alice@', '@example.com', 'alice@localhost', 'a b@example.com'])(
    'refuses --email %j, as the API does, and creates no user',
    async (email, { sandbox }) => {
      const args = ['createuser', '--username', 'alice', '--password', 'pw-for-tests', '--email', email];
      expect(await sandbox.tessera(args)).toEqual(
        failed(`invalid email ${JSON.stringify(email)}: Enter a valid email address.`),
      );
      expect(await sandbox.withStore((store) => store.listUsers())).toEqual([]);
    },
  );

  it.for<[string[], string]>([
    [['--password', 'pw-for-tests'], '--username is required'],
    [['--username'], "Option '--username <value>' argument missing"],
    [['--username', 'frank', '--password', 'pw-for-tests', '--bogus'], "Unknown option '--bogus'"],
    [
      ['--username', 'frank', '--password', 'pw-for-tests', 'extra'],
      "Unexpected argument 'extra'. This command does not take positional arguments",
    ],
    [
      ['--username', 'bad name', '--password', 'pw-for-tests'],
      'invalid username "bad name": use 1 to 150 letters, digits and @ . + - _ characters',
    ],
    [
      ['--username', '', '--password', 'pw-for-tests'],
      'invalid username "": use 1 to 150 letters, digits and @ . + - _ characters',
    ],
    [
      ['--username', 'two\nlines', '--password', 'pw-for-tests'],
      'invalid username "two\\nlines": use 1 to 150 letters, digits and @ . + - _ characters',
    ],
    [
      ['--username', 'x'.repeat(151), '--password', 'pw-for-tests'],
      `invalid username "${'x'.repeat(151)}": use 1 to 150 letters, digits and @ . + - _ characters`,
    ],
    [['--username', 'frank', '--password', '   '], 'the password may not be blank'],
    [['--username', 'frank', '--password', 'é'.repeat(513)], 'the password is longer than 1024 bytes'],
    // The password policy, as the API applies it.
    [
      ['--username', 'frank', '--password', '1234567'],
      'the password was refused: This password is too short. It must contain at least 8 characters. ' +
        'This password is too common. This password is entirely numeric.',
    ],
    [['--username', 'frank', '--password', 'password1'], 'the password was refused: This password is too common.'],
    [
      ['--username', 'frank', '--password', 'frank_99'],
      'the password was refused: The password is too similar to the username.',
    ],
  ])('with %j exits 1 with "%s" and creates no user', async ([args, message], { sandbox }) => {
    expect(await sandbox.tessera(['createuser', ...args])).toEqual(failed(message));
    expect(await sandbox.withStore((store) => store.listUsers())).toEqual([]);
  });

  it('accepts a 150-character username and a 1024-byte password', async ({ sandbox }) => {
    const username = 'u'.repeat(150);
    const password = 'é'.repeat(512);
    expect(await sandbox.tessera(['createuser', '--username', username, '--password', password])).toEqual(
      succeeded(`Created user "${username}" (id 1).\n`),
    );
    expect(await hasher.verify((await sandbox.user(username)).passwordHash, password)).toBe(true);
  });
});

describe.concurrent('tessera createsuperuser', () => {
  const SUPERUSER = { isActive: true, isStaff: true, isSuperuser: true, role: 'admin', firstName: '', lastName: '' };

  it('asks for username, email and the password twice, and trims the answers', async ({ sandbox }) => {
    const outcome = await sandbox.tessera(['createsuperuser'], {
      input: ' root \n root@example.com \nsuper secret\nsuper secret\n',
    });
    expect(outcome).toEqual(
      succeeded(
        'Username: \nEmail address: \nPassword: \nPassword (again): \nSuperuser "root" created successfully.\n',
      ),
    );
    const root = await sandbox.user('root');
    expect(root).toMatchObject({ ...SUPERUSER, email: 'root@example.com' });
    expect(root.passwordHash.startsWith(ARGON2ID_PREFIX)).toBe(true);
    expect(await hasher.verify(root.passwordHash, 'super secret')).toBe(true);
  });

  it('asks only for what --username and TESSERA_PASSWORD leave out', async ({ sandbox }) => {
    const outcome = await sandbox.tessera(['createsuperuser', '--username', 'root'], {
      env: { TESSERA_PASSWORD: 'from the environment' },
      input: 'root@example.com\n',
    });
    expect(outcome).toEqual(succeeded('Email address: \nSuperuser "root" created successfully.\n'));
    const root = await sandbox.user('root');
    expect(root).toMatchObject({ ...SUPERUSER, email: 'root@example.com' });
    expect(await hasher.verify(root.passwordHash, 'from the environment')).toBe(true);
  });

  it('--no-input --username takes the password from TESSERA_PASSWORD and reads nothing', async ({ sandbox }) => {
    const outcome = await sandbox.tessera(['createsuperuser', '--no-input', '--username', 'root'], {
      env: { TESSERA_PASSWORD: 'from the environment' },
      input: 'never read\n',
    });
    expect(outcome).toEqual(succeeded('Superuser "root" created successfully.\n'));
    const root = await sandbox.user('root');
    expect(root).toMatchObject({ ...SUPERUSER, email: '' });
    expect(await hasher.verify(root.passwordHash, 'from the environment')).toBe(true);
  });

  it.for([
    [['--no-input', '--username', 'root'], {}],
    [['--no-input', '--username', 'root'], { TESSERA_PASSWORD: '' }],
    [['--no-input'], { TESSERA_PASSWORD: 'pw' }],
  ] as const)('%j with %j exits 1 with one line and creates no user', async ([args, env], { sandbox }) => {
    expect(await sandbox.tessera(['createsuperuser', ...args], { env })).toEqual(
      failed('with --no-input, give --username and set TESSERA_PASSWORD'),
    );
    expect(await sandbox.withStore((store) => store.listUsers())).toEqual([]);
  });

  it.for<[string, string, string]>([
    [
      'root\n\npw one\npw two\n',
      "the passwords didn't match",
      'Username: \nEmail address: \nPassword: \nPassword (again): \n',
    ],
    ['root\n', 'input ended before every question was answered', 'Username: \nEmail address: \n'],
    // Each answer is checked as it is given, before a password is asked for.
    [
      'bad name\n\npw\npw\n',
      'invalid username "bad name": use 1 to 150 letters, digits and @ . + - _ characters',
      'Username: \n',
    ],
    [
      'root\nnot an email\npw\npw\n',
      'invalid email "not an email": Enter a valid email address.',
      'Username: \nEmail address: \n',
    ],
  ])('answering %j exits 1 with "%s"', async ([input, message, stdout], { sandbox }) => {
    expect(await sandbox.tessera(['createsuperuser'], { input })).toEqual(failed(message, { stdout }));
    expect(await sandbox.withStore((store) => store.listUsers())).toEqual([]);
  });

  it('refuses a taken username typed at the prompt before asking for the email or a password', async ({ sandbox }) => {
    await sandbox.withStore((store) => seedUser(store, 'root', 'pw'));
    expect(await sandbox.tessera(['createsuperuser'], { input: 'root\n' })).toEqual(
      failed('the username "root" is taken', { stdout: 'Username: \n' }),
    );
  });

  it('refuses a taken username', async ({ sandbox }) => {
    await sandbox.withStore((store) => seedUser(store, 'root', 'pw'));
    const outcome = await sandbox.tessera(['createsuperuser', '--no-input', '--username', 'root'], {
      env: { TESSERA_PASSWORD: 'pw-for-tests' },
    });
    expect(outcome).toEqual(failed('the username "root" is taken'));
  });
});

describe.concurrent('tessera changepassword', () => {
  it.for([
    ['TESSERA_PASSWORD', [], { TESSERA_PASSWORD: 'new password' }, ''],
    ['--password', ['--password', 'new password'], { TESSERA_PASSWORD: 'not this one' }, ''],
    ['a prompt', [], {}, 'new password\nnew password\n'],
  ] as const)(
    'with the password from %s replaces the hash and revokes every session',
    async ([, args, env, input], { sandbox }) => {
      await seedAliceWithSessions(sandbox);
      const outcome = await sandbox.tessera(['changepassword', 'alice', ...args], { env, input });
      const prompts = input === '' ? '' : 'Password: \nPassword (again): \n';
      expect(outcome).toEqual(succeeded(`${prompts}Password changed for "alice"; every session was ended.\n`));
      const alice = await sandbox.user('alice');
      expect(alice.passwordHash.startsWith(ARGON2ID_PREFIX)).toBe(true);
      expect(await hasher.verify(alice.passwordHash, 'old password')).toBe(false);
      expect(await hasher.verify(alice.passwordHash, 'new password')).toBe(true);
      for (const revokedAt of await revokedAtOf(sandbox, ['laptop', 'phone'])) {
        expect(revokedAt).toEqual(expect.any(Number));
      }
    },
  );

  it('leaves other users and their sessions alone', async ({ sandbox }) => {
    await seedAliceWithSessions(sandbox);
    await sandbox.withStore(async (store) => {
      const bob = await seedUser(store, 'bob', 'bob password');
      await seedSession(store, bob.id, 'bobs-laptop');
    });
    expect(await sandbox.tessera(['changepassword', 'alice', '--password', 'new password'])).toEqual(
      succeeded('Password changed for "alice"; every session was ended.\n'),
    );
    expect(await hasher.verify((await sandbox.user('bob')).passwordHash, 'bob password')).toBe(true);
    expect(await revokedAtOf(sandbox, ['bobs-laptop'])).toEqual([null]);
  });

  it.for([
    [['x'], 'no user named "x"', '', ''],
    [[], 'give exactly one username, e.g. tessera changepassword alice', '', ''],
    [['alice', 'bob'], 'give exactly one username, e.g. tessera changepassword alice', '', ''],
    [['alice'], "the passwords didn't match", 'one\ntwo\n', 'Password: \nPassword (again): \n'],
    [['alice', '--password', ' '], 'the password may not be blank', '', ''],
    [['alice', '--password', 'qwertyuiop'], 'the password was refused: This password is too common.', '', ''],
  ] as const)('%j exits 1 with "%s" and changes nothing', async ([args, message, input, stdout], { sandbox }) => {
    await seedAliceWithSessions(sandbox);
    expect(await sandbox.tessera(['changepassword', ...args], { input })).toEqual(failed(message, { stdout }));
    expect(await hasher.verify((await sandbox.user('alice')).passwordHash, 'old password')).toBe(true);
    expect(await revokedAtOf(sandbox, ['laptop', 'phone'])).toEqual([null, null]);
  });
});

describe.concurrent('tessera deactivate and activate', () => {
  it('deactivate forbids logins and revokes every session', async ({ sandbox }) => {
    await seedAliceWithSessions(sandbox);
    expect(await sandbox.tessera(['deactivate', 'alice'])).toEqual(
      succeeded('Deactivated "alice"; every session was ended.\n'),
    );
    expect((await sandbox.user('alice')).isActive).toBe(false);
    for (const revokedAt of await revokedAtOf(sandbox, ['laptop', 'phone'])) {
      expect(revokedAt).toEqual(expect.any(Number));
    }
  });

  it('activate allows logins again and leaves ended sessions ended', async ({ sandbox }) => {
    await seedAliceWithSessions(sandbox);
    expect(await sandbox.tessera(['deactivate', 'alice'])).toEqual(
      succeeded('Deactivated "alice"; every session was ended.\n'),
    );
    const ended = await revokedAtOf(sandbox, ['laptop', 'phone']);
    expect(await sandbox.tessera(['activate', 'alice'])).toEqual(succeeded('Activated "alice".\n'));
    expect((await sandbox.user('alice')).isActive).toBe(true);
    expect(await revokedAtOf(sandbox, ['laptop', 'phone'])).toEqual(ended);
  });

  it('activating an active user keeps its sessions', async ({ sandbox }) => {
    await seedAliceWithSessions(sandbox);
    expect(await sandbox.tessera(['activate', 'alice'])).toEqual(succeeded('Activated "alice".\n'));
    expect((await sandbox.user('alice')).isActive).toBe(true);
    expect(await revokedAtOf(sandbox, ['laptop', 'phone'])).toEqual([null, null]);
  });

  it.for([
    [['deactivate'], 'give exactly one username, e.g. tessera deactivate alice'],
    [['activate'], 'give exactly one username, e.g. tessera activate alice'],
    [['deactivate', 'alice', 'bob'], 'give exactly one username, e.g. tessera deactivate alice'],
    [['deactivate', 'nobody'], 'no user named "nobody"'],
    [['activate', 'nobody'], 'no user named "nobody"'],
    [
      ['deactivate', '--force', 'alice'],
      "Unknown option '--force'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--force\"",
    ],
  ] as const)('%j exits 1 with "%s" and changes nothing', async ([args, message], { sandbox }) => {
    await seedAliceWithSessions(sandbox);
    expect(await sandbox.tessera([...args])).toEqual(failed(message));
    expect((await sandbox.user('alice')).isActive).toBe(true);
    expect(await revokedAtOf(sandbox, ['laptop', 'phone'])).toEqual([null, null]);
  });
});

describe.concurrent('tessera users', () => {
  it('prints a header and one aligned row per user, in id order', async ({ sandbox }) => {
    await sandbox.withStore(async (store) => {
      const alice = await seedUser(store, 'alice', 'pw', { isStaff: true, role: 'editor' });
      await seedSession(store, alice.id, 'laptop', { now: Date.UTC(2026, 0, 2, 3, 4, 5) });
      await seedUser(store, 'bob', 'pw', {
        email: '',
        isActive: false,
        isStaff: true,
        isSuperuser: true,
        role: 'admin',
      });
    });
    expect(await sandbox.tessera(['users'])).toEqual(
      succeeded(
        [
          'ID  USERNAME  EMAIL              ACTIVE  STAFF  SUPERUSER  ROLE    LAST LOGIN',
          '1   alice     alice@example.com  yes     yes    no         editor  2026-01-02T03:04:05.000Z',
          '2   bob                          no      yes    yes        admin   -',
          '',
        ].join('\n'),
      ),
    );
  });

  it('prints control characters in emails and user agents escaped, never raw', async ({ sandbox }) => {
    await sandbox.withStore(async (store) => {
      const eve = await seedUser(store, 'eve', 'pw', { email: 'eve\u001b]0;owned\u0007@example.com' });
      await store.startSession({
        sessionId: 'c'.repeat(32),
        userId: eve.id,
        now: Date.UTC(2026, 0, 2, 3, 4, 5),
        ip: '127.0.0.1',
        userAgent: 'curl\u009b2J\u001b[31m\u0085',
        token: { jti: 'c-jti', issuedAt: Date.now(), expiresAt: Date.now() + 86_400_000 },
      });
    });
    const users = await sandbox.tessera(['users']);
    const sessions = await sandbox.tessera(['sessions', 'eve']);
    expect(users.stdout.split('\n')[1]).toContain(' eve\\u001b]0;owned\\u0007@example.com  yes');
    expect(sessions.stdout.split('\n')[1]).toMatch(/ +live +no +curl\\u009b2J\\u001b\[31m\\u0085$/);
    for (const outcome of [users, sessions]) {
      expect(outcome.code).toBe(0);
      // eslint-disable-next-line no-control-regex -- what must not reach the terminal
      expect(outcome.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
  });

  it('with no users prints the header alone', async ({ sandbox }) => {
    expect(await sandbox.tessera(['users'])).toEqual(
      succeeded('ID  USERNAME  EMAIL  ACTIVE  STAFF  SUPERUSER  ROLE  LAST LOGIN\n'),
    );
  });
});

describe.concurrent('tessera flushexpired', () => {
  it('deletes expired refresh tokens and the sessions left without any, and keeps live ones', async ({ sandbox }) => {
    await sandbox.withStore(async (store) => {
      const alice = await seedUser(store, 'alice', 'pw');
      const twoDaysAgo = Date.now() - 2 * 86_400_000;
      await seedSession(store, alice.id, 'stale', { now: twoDaysAgo, expiresAt: twoDaysAgo + 86_400_000 });
      await seedSession(store, alice.id, 'live');
    });
    expect(await sandbox.tessera(['flushexpired'])).toEqual(
      succeeded('Deleted 1 expired refresh tokens, 1 finished sessions and 0 audit entries past the retention.\n'),
    );
    await sandbox.withStore(async (store) => {
      expect(await store.findRefreshToken('stale-jti')).toBeUndefined();
      expect(await store.findSession('stale')).toBeUndefined();
      expect(await store.findRefreshToken('live-jti')).toMatchObject({ sessionId: 'live', usedAt: null });
      expect(await store.findSession('live')).toMatchObject({ sessionId: 'live', revokedAt: null });
    });
  });

  it('with nothing expired deletes nothing', async ({ sandbox }) => {
    await sandbox.withStore(async (store) => {
      const alice = await seedUser(store, 'alice', 'pw');
      await seedSession(store, alice.id, 'live');
    });
    expect(await sandbox.tessera(['flushexpired'])).toEqual(
      succeeded('Deleted 0 expired refresh tokens, 0 finished sessions and 0 audit entries past the retention.\n'),
    );
    expect(await sandbox.withStore((store) => store.findSession('live'))).toMatchObject({ revokedAt: null });
  });

  it('deletes audit entries older than TESSERA_AUDIT_RETENTION_DAYS, and keeps newer ones', async ({ sandbox }) => {
    const daysAgo = (days: number) => Date.now() - days * 86_400_000;
    await sandbox.withStore(async (store) => {
      await store.appendAudit(auditEntry('login_failure', CLI_CLIENT, daysAgo(40), { username: 'old' }));
      await store.appendAudit(auditEntry('login_failure', CLI_CLIENT, daysAgo(20), { username: 'recent' }));
    });
    expect(await sandbox.tessera(['flushexpired'], { env: { TESSERA_AUDIT_RETENTION_DAYS: '30' } })).toEqual(
      succeeded('Deleted 0 expired refresh tokens, 0 finished sessions and 1 audit entries past the retention.\n'),
    );
    const left = await sandbox.withStore((store) => store.listAudit({ offset: 0, limit: 10 }));
    expect(left.records.map((record) => record.username)).toEqual(['recent']);
  });
});

describe.concurrent('tessera sessions and revoke', () => {
  const T = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('lists the live sessions, newest first, which are device-bound, and with --all the ended ones too', async ({
    sandbox,
  }) => {
    await sandbox.withStore(async (store) => {
      const alice = await seedUser(store, 'alice', 'pw');
      await seedSession(store, alice.id, 'a'.repeat(32), { now: T, expiresAt: Date.now() + 86_400_000 });
      await seedSession(store, alice.id, 'b'.repeat(32), { now: T + 1000, expiresAt: Date.now() + 86_400_000 });
      await seedSession(store, alice.id, 'c'.repeat(32), {
        now: T + 1500,
        expiresAt: Date.now() + 86_400_000,
        dpopJkt: 'k'.repeat(43),
      });
      await store.revokeSession('a'.repeat(32), T + 2000, 'logout');
    });
    // Columns padded to their widest cell, two spaces apart, the last one bare.
    const line = (...cells: string[]) =>
      `${cells.map((cell, i) => cell.padEnd([32, 24, 24, 9, 5, 5, 0][i]!)).join('  ')}\n`;
    expect(await sandbox.tessera(['sessions', 'alice'])).toEqual(
      succeeded(
        line('SESSION', 'CREATED', 'LAST USED', 'IP', 'STATE', 'BOUND', 'USER AGENT') +
          line(
            'c'.repeat(32),
            '2026-01-02T03:04:06.500Z',
            '2026-01-02T03:04:06.500Z',
            '127.0.0.1',
            'live',
            'yes',
            'cli-test',
          ) +
          line(
            'b'.repeat(32),
            '2026-01-02T03:04:06.000Z',
            '2026-01-02T03:04:06.000Z',
            '127.0.0.1',
            'live',
            'no',
            'cli-test',
          ),
      ),
    );
    const all = await sandbox.tessera(['sessions', 'alice', '--all']);
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')[3]).toBe(
      `${'a'.repeat(32)}  2026-01-02T03:04:05.000Z  2026-01-02T03:04:05.000Z  127.0.0.1  ended (logout)  no     cli-test`,
    );
  });

  it('revoke ends every session of the user, or the one named', async ({ sandbox }) => {
    await sandbox.withStore(async (store) => {
      const alice = await seedUser(store, 'alice', 'pw');
      for (const id of ['one', 'two', 'three']) await seedSession(store, alice.id, id.padEnd(32, '0'));
    });
    expect(await sandbox.tessera(['revoke', 'alice', '--session', 'two'.padEnd(32, '0')])).toEqual(
      succeeded(`Ended session ${'two'.padEnd(32, '0')} of "alice".\n`),
    );
    expect(await sandbox.tessera(['revoke', 'alice', '--session', 'two'.padEnd(32, '0')])).toEqual(
      failed(`"alice" has no live session "${'two'.padEnd(32, '0')}"`),
    );
    expect(await sandbox.tessera(['revoke', 'alice'])).toEqual(succeeded('Ended 2 sessions of "alice".\n'));
    await sandbox.withStore(async (store) => {
      expect((await store.findSession('two'.padEnd(32, '0')))?.revokeReason).toBe('admin');
      expect((await store.findSession('one'.padEnd(32, '0')))?.revokeReason).toBe('admin');
    });
  });

  it('sessions of a user with none says so, rather than printing a header alone', async ({ sandbox }) => {
    await sandbox.withStore((store) => seedUser(store, 'alice', 'pw'));
    expect(await sandbox.tessera(['sessions', 'alice'])).toEqual(succeeded('"alice" has no live sessions.\n'));
    expect(await sandbox.tessera(['sessions', 'alice', '--all'])).toEqual(succeeded('"alice" has no sessions.\n'));
  });

  it('sessions without a username exits 1 with one line', async ({ sandbox }) => {
    expect(await sandbox.tessera(['sessions'])).toEqual(
      failed('give exactly one username, e.g. tessera sessions alice'),
    );
  });

  it('revoke of an unknown user exits 1 with one line', async ({ sandbox }) => {
    expect(await sandbox.tessera(['revoke', 'nobody'])).toEqual(failed('no user named "nobody"'));
  });
});

describe.concurrent('tessera audit', () => {
  it('lists what the CLI did, newest first, filtered by user, event and time', async ({ sandbox }) => {
    await sandbox.withStore((store) => seedUser(store, 'alice', 'pw'));
    await sandbox.withStore(async (store) => seedSession(store, (await store.findUserByUsername('alice'))!.id, 'one'));
    const start = new Date(Date.now() - 1000).toISOString();
    expect((await sandbox.tessera(['createuser', '--username', 'bob', '--password', 'pw-for-tests'])).code).toBe(0);
    expect((await sandbox.tessera(['deactivate', 'alice'])).code).toBe(0);
    expect((await sandbox.tessera(['revoke', 'bob'])).code).toBe(0);

    const all = await sandbox.tessera(['audit']);
    expect(all.code).toBe(0);
    const rows = all.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^TIME +EVENT +USER +SESSION +IP +DETAILS +USER AGENT$/);
    expect(rows.slice(1).map((row) => row.split(/ {2,}/).slice(1, 6))).toEqual([
      ['revoke_all', 'bob', '-', '-', 'via=cli'],
      ['user_deactivated', 'alice', '-', '-', '-'],
      ['user_created', 'bob', '-', '-', 'via=cli'],
    ]);
    expect(rows.slice(1).every((row) => row.endsWith('tessera-cli'))).toBe(true);

    const alice = await sandbox.tessera(['audit', '--user', 'alice', '--event', 'user_deactivated', '--since', start]);
    expect(alice.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect((await sandbox.tessera(['audit', '--since', '2999-01-01T00:00Z'])).stdout.split('\n')).toHaveLength(2);
    expect((await sandbox.tessera(['audit', '--limit', '1'])).stdout).toMatch(/\n\(1 of 3; --limit shows more\)\n$/);
  });

  it.for([
    [['--event', 'nope'], 'unknown event "nope"; choose from '],
    [['--since', 'yesterday'], '--since "yesterday" is not a time: use ISO 8601, e.g. 2026-11-24T12:00Z'],
    [['--limit', '0'], '--limit "0" must be a whole number from 1'],
  ])('%j exits 1 with one line', async ([args, message], { sandbox }) => {
    const outcome = await sandbox.tessera(['audit', ...(args as string[])]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr.startsWith(`tessera: ${message as string}`)).toBe(true);
    expect(outcome.stderr.split('\n')).toHaveLength(2);
  });
});

describe.concurrent('tessera users --hash-formats', () => {
  it('counts the users on each password hash format, most first', async ({ sandbox }) => {
    await sandbox.withStore(async (store) => {
      const hashes = [
        'pbkdf2_sha256$870000$salt$key=',
        'pbkdf2_sha256$390000$salt$key=',
        'bcrypt_sha256$$2b$12$hash',
        '88a434c88cca4e900f7874cd98123f43',
        '!unusable',
        'lolcat$salt$hash',
      ];
      await seedUser(store, 'tessera', 'pw-for-tests', { passwordHash: `${ARGON2ID_PREFIX}c2FsdHNhbHQ$aGFzaA` });
      for (const [i, passwordHash] of hashes.entries()) await seedUser(store, `django${i}`, 'unused', { passwordHash });
    });
    expect(await sandbox.tessera(['users', '--hash-formats'])).toEqual(
      succeeded(
        [
          'FORMAT         USERS',
          'pbkdf2_sha256  2',
          'argon2id       1',
          'bcrypt_sha256  1',
          'other          1',
          'unsalted_md5   1',
          'unusable       1',
          '',
        ].join('\n'),
      ),
    );
  });
});
