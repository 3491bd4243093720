// The servers bench/run.mjs measures, each started as a child process on a
// free port and described the same way: a key, a label, its base URL, the
// workloads it serves and how to get tokens from it.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ROOT,
  SERVER_DIR,
  children,
  freePort,
  importFromServer,
  processTree,
  signHs256,
  signalChild,
  startChild,
  startProcess,
  stopChild,
  waitUntilServing,
  warningLines,
} from './lib.mjs';

export const SECRET_KEY = 'bench-only-secret-key-0123456789abcdef-0123456789';
const TESSERA_USER = { username: 'bench', password: 'bench-password-not-a-secret' };
const TESSERA_BIN = path.join(SERVER_DIR, 'bin', 'tessera.js');
const PYTHON = '/usr/bin/python3';
const SIMPLEJWT_DIR = path.join(ROOT, 'bench', 'peers', 'simplejwt');
/** gunicorn's documented starting point for sync workers: (2 × cores) + 1. */
export const GUNICORN_WORKERS = 2 * os.cpus().length + 1;

/** The environment every tessera server of a run gets (bench/run.mjs measures LOG_LEVEL's default too: `asShipped`). */
export const TESSERA_ENV = Object.freeze({
  TESSERA_SECRET_KEY: SECRET_KEY,
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  // The workloads log in and refresh hundreds of times a second from one IP; the report says so.
  TESSERA_RATE_LIMITS: 'off',
});

const PATHS = Object.freeze({
  profile: '/api/profile/',
  verify: '/api/token/verify/',
  refresh: '/api/token/refresh/',
  login: '/api/token/',
});

function describe(fields) {
  const target = {
    paths: PATHS,
    pids: () => processTree(fields.record.child.pid),
    url: (p) => `${fields.base}${p}`,
    ...fields,
  };
  return target;
}

/** POSTs the login and answers `{access, refresh}`. */
export async function httpLogin(target) {
  const res = await fetch(target.url(target.paths.login), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(target.credentials),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${target.label}: login answered ${res.status}: ${body}`);
  return JSON.parse(body);
}

/** Bare Fastify: one route answering a constant {"ok":true}. The ceiling. */
export async function startBare() {
  const port = await freePort();
  const record = startChild('bare Fastify', [path.join(ROOT, 'bench', 'bare-fastify.mjs')], {
    PORT: String(port),
    HOST: '127.0.0.1',
  });
  const target = describe({ key: 'bare', label: 'bare Fastify', record, base: `http://127.0.0.1:${port}` });
  await waitUntilServing(record, target.url('/'));
  return target;
}

/** Fastify + @fastify/jwt, HS256, tokens signed by this script with the same key. */
export async function startFastifyJwt() {
  const port = await freePort();
  const record = startChild('Fastify + @fastify/jwt', [path.join(ROOT, 'bench', 'peers', 'fastify-jwt.mjs')], {
    PORT: String(port),
    HOST: '127.0.0.1',
    BENCH_JWT_SECRET: SECRET_KEY,
  });
  const target = describe({
    key: 'fastifyJwt',
    label: 'Fastify + @fastify/jwt',
    record,
    base: `http://127.0.0.1:${port}`,
    async tokens() {
      const now = Math.floor(Date.now() / 1000);
      const claims = { token_type: 'access', exp: now + 300, iat: now, jti: crypto.randomUUID(), user_id: '1' };
      return { access: signHs256({ ...claims, username: TESSERA_USER.username }, SECRET_KEY) };
    },
  });
  await waitUntilServing(record, target.url('/healthz'));
  return target;
}

/** Runs `tessera <args…>` to completion and answers its output (stdout and stderr); throws with it if it fails. */
export async function runTesseraCommand(args, env) {
  const record = startChild(`tessera ${args[0]}`, [TESSERA_BIN, ...args], env);
  await record.done;
  if (record.exitCode !== 0) {
    throw new Error(`\`tessera ${args.join(' ')}\` exited with ${record.exitCode}:\n${record.output}`);
  }
  return record.output;
}

/**
 * `tessera serve` on `databaseUrl`, with `env` added to TESSERA_ENV; creates
 * the bench user first unless `createUser` is false. `asShipped` leaves
 * LOG_LEVEL at tessera's default (info: a line per request), and `logFile`
 * takes its standard output (see startProcess); `serveArgs` are added to
 * `serve` (`--workers 2`).
 */
export async function startTessera({
  key,
  label,
  databaseUrl,
  env: extra = {},
  createUser = true,
  asShipped = false,
  logFile,
  serveArgs = [],
}) {
  const env = { ...TESSERA_ENV, ...extra, DATABASE_URL: databaseUrl };
  // undefined is left out of the child's environment, which then has no LOG_LEVEL even if this process has one
  if (asShipped) env.LOG_LEVEL = undefined;
  if (createUser) {
    await runTesseraCommand(
      [
        'createuser',
        '--username',
        TESSERA_USER.username,
        '--password',
        TESSERA_USER.password,
        '--email',
        'bench@example.com',
        '--first-name',
        'Bench',
        '--last-name',
        'User',
      ],
      env,
    );
  }
  const port = await freePort();
  const record = startChild(
    label,
    [TESSERA_BIN, 'serve', ...serveArgs],
    { ...env, PORT: String(port) },
    { stdoutFile: logFile },
  );
  const target = describe({
    key,
    label,
    record,
    base: `http://127.0.0.1:${port}`,
    credentials: TESSERA_USER,
    tokens: () => httpLogin(target),
  });
  await waitUntilServing(record, target.url('/healthz'));
  target.startupWarnings =
    (await warningLines(record)).length + record.output.trim().split('\n').filter(Boolean).length;
  return target;
}

/** Why the SimpleJWT peer cannot run here, or undefined when it can. */
export function simpleJwtMissing() {
  const check = spawnSync(PYTHON, ['-c', 'import django, rest_framework_simplejwt.token_blacklist, gunicorn'], {
    encoding: 'utf8',
  });
  if (check.error) return `${PYTHON} not found`;
  if (check.status !== 0) return check.stderr.trim().split('\n').pop();
  return undefined;
}

/** Versions of Django, DRF, SimpleJWT and gunicorn, for the report. */
export function simpleJwtVersions() {
  const code =
    'import django, rest_framework, rest_framework_simplejwt, gunicorn, importlib.metadata as m;' +
    "print(f'Django {django.get_version()}, DRF {rest_framework.VERSION}, " +
    'SimpleJWT {m.version("djangorestframework-simplejwt")}, gunicorn {gunicorn.__version__}\')';
  const run = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : 'Django, DRF, SimpleJWT, gunicorn (versions unknown)';
}

/**
 * The seeds' backend: Django + DRF + SimpleJWT (rotation, blacklist after
 * rotation, last-login updates), Django's default PBKDF2 password hasher, on
 * SQLite, under gunicorn with GUNICORN_WORKERS sync workers. Its user is the
 * differential test's alice.
 */
export async function startSimpleJwt(dbDir) {
  const port = await freePort();
  const record = startProcess(
    'SimpleJWT (gunicorn)',
    'bash',
    [path.join(SIMPLEJWT_DIR, 'serve.sh'), String(port), dbDir],
    { PEER_SECRET_KEY: SECRET_KEY, PEER_WORKERS: String(GUNICORN_WORKERS) },
    { group: true },
  );
  const target = describe({
    key: 'simplejwt',
    label: 'SimpleJWT (Django)',
    record,
    base: `http://127.0.0.1:${port}`,
    credentials: { username: 'alice', password: 'correct-horse-1' },
    tokens: () => httpLogin(target),
    // sync workers answer `Connection: close`: measured with node:http, not autocannon
    closesConnections: true,
  });
  // migrate + seeding + gunicorn's boot: slower than Node, more so on a busy machine
  await waitUntilServing(record, target.url(PATHS.profile), { anyStatus: true, timeoutSeconds: 120 });
  target.startupWarnings = record.lines;
  return target;
}

// ---------------------------------------------------------------- PostgreSQL

export const PG_ADMIN_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function adminClient() {
  const { default: pg } = await importFromServer('pg');
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  return client;
}

/**
 * Creates `name` on the PostgreSQL of BENCH_PG_URL; answers its URL and the
 * server's version, or throws why it cannot.
 */
export async function createPgDatabase(name) {
  const client = await adminClient();
  let version;
  try {
    version = (await client.query('SHOW server_version')).rows[0].server_version;
    await client.query(`CREATE DATABASE "${name}"`);
    databases.add(name);
  } finally {
    await client.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), version };
}

export async function dropPgDatabase(name) {
  const client = await adminClient();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    databases.delete(name);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- cleanup

/** Temp directories and databases of this run, removed however it ends. */
export const tempDirs = new Set();
const databases = new Set();

/** Stops every child and drops every database createPgDatabase made. */
export async function stopEverything() {
  await Promise.all([...children].map(stopChild));
  for (const name of [...databases]) await dropPgDatabase(name);
}

/** Cleans up on exit (children killed, temp directories removed, databases dropped) and on Ctrl-C / SIGTERM. */
export function cleanUpOnExit(tag) {
  process.on('exit', () => {
    for (const record of children) signalChild(record, 'SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    if (databases.size === 0) return;
    // The async cleanup did not run: drop them from a child process.
    const script =
      `const {dropPgDatabase}=await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'bench', 'targets.mjs')).href)});` +
      `for (const n of ${JSON.stringify([...databases])}) await dropPgDatabase(n);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit', timeout: 30_000 });
    if (r.status !== 0) console.error(`${tag}: could not drop ${[...databases].join(', ')}; drop them by hand`);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      console.error(`\n${tag}: ${signal}, stopping the servers`);
      void stopEverything().finally(() => process.exit(130));
    });
  }
}
