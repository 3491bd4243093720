// A real Django project's database, made by Debian's Django with
// make_django_db.py, once per dialect per test run (a worker's files share
// it: the module cache outlives a file). What the tests need to know of it
// (passwords, tokens, DRF keys) comes back as JSON from the script.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { createSchema } from '../support/stores.js';

const SCRIPT = fileURLToPath(new URL('./make_django_db.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
/** Everything the script imports: Django, DRF with authtoken, SimpleJWT's blacklist, both hashers' libraries. */
const IMPORTS =
  'import django, rest_framework.authtoken, rest_framework_simplejwt.token_blacklist, argon2, bcrypt, psycopg2';
const SETUP = 'bash bench/peers/simplejwt/setup.sh';

/** Django's SECRET_KEY in the fixture: SimpleJWT signed its tokens with it. */
export const DJANGO_SECRET_KEY = 'django-insecure-fixture-key-0123456789abcdefghijklmnop';

/** What make_django_db.py says of the database it made. */
export interface DjangoFixture {
  /** `--from` for tessera import django. */
  from: string;
  /** The SQLite file, for SQLite fixtures (tests change a copy of it). */
  path?: string;
  django: string;
  generated_at_ms: number;
  users: Array<{ id: number; username: string; algorithm: string | null; password: string | null }>;
  permissions: Record<string, string[]>;
  drf_tokens: Record<string, string>;
  refresh: Record<
    'outstanding_int' | 'outstanding_str' | 'blacklisted' | 'expired' | 'inactive_user' | 'unknown_user',
    string
  >;
  access: Record<'admin' | 'editor_str' | 'blacklisted_session', string>;
}

/**
 * Why the fixture cannot be made here, or null. Outside CI a suite skips
 * loudly; under CI=true it fails.
 */
export function whyDjangoIsMissing(): string | null {
  const check = spawnSync(PYTHON, ['-c', IMPORTS], { encoding: 'utf8' });
  const missing =
    check.error !== undefined
      ? `${PYTHON} cannot run (${check.error.message})`
      : check.status !== 0
        ? `${PYTHON} cannot import its packages: ${check.stderr.trim().split('\n').at(-1)}`
        : null;
  if (missing === null) return null;
  if (process.env.CI === 'true') throw new Error(`CI=true but Django cannot run: ${missing}. ${SETUP} installs it.`);
  const bar = '!'.repeat(72);
  console.warn(
    `\n${bar}\n!! ${missing}.\n!! The Django import suites are NOT running. ${SETUP} installs it.\n${bar}\n`,
  );
  return missing;
}

const made = new Map<string, Promise<DjangoFixture>>();

/** The run's SQLite Django database (a file in a temporary directory). */
export function sqliteDjango(): Promise<DjangoFixture> {
  return memo('sqlite', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tessera-django-')), 'db.sqlite3');
    return { ...(await run(['sqlite', path])), from: `sqlite:${path}`, path };
  });
}

/** The run's PostgreSQL Django database: a schema of this run's database. */
export function postgresDjango(): Promise<DjangoFixture> {
  return memo('postgres', async () => {
    const url = inject('postgresUrl');
    if (url === null) throw new Error('PostgreSQL is not available in this run');
    const schema = await createSchema(url, 'django');
    const { hostname, port, username, pathname } = new URL(url);
    const fixture = await run(['postgres', pathname.slice(1), hostname, port || '5432', username, schema]);
    const from = new URL(url);
    from.searchParams.set('options', `-c search_path=${schema}`);
    return { ...fixture, from: from.toString() };
  });
}

function memo(key: string, make: () => Promise<DjangoFixture>): Promise<DjangoFixture> {
  let fixture = made.get(key);
  if (fixture === undefined) {
    fixture = make();
    made.set(key, fixture);
  }
  return fixture;
}

async function run(args: string[]): Promise<Omit<DjangoFixture, 'from'>> {
  const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, ...args], {
    env: { ...process.env, FIXTURE_SECRET_KEY: DJANGO_SECRET_KEY },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Omit<DjangoFixture, 'from'>;
}
