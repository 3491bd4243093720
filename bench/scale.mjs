// `node bench/scale.mjs`: do tessera's refresh and profile throughput hold up on
// a big PostgreSQL database? Seeds 1,000,000 users and 5,000,000 refresh-token
// rows (with their sessions) into a fresh database, and measures the same two
// scenarios there and on an empty fresh database (only the bench users).
//
//   npm run build && node bench/scale.mjs     full run: 1M users, 5M tokens, 10 s per measurement
//   node bench/scale.mjs --quick              100k users, 500k tokens, 3 s per measurement
//
// Environment: SCALE_USERS, SCALE_TOKENS, SCALE_SECONDS (measured seconds),
// SCALE_WARMUP (seconds, default 2; 1 with --quick), SCALE_CONNECTIONS (32),
// SCALE_ROUNDS (default 3; 1 with --quick: each round measures both databases,
// in the order empty, big, then big, empty, ...), SCALE_RETRIES (default 2: a
// database's measurement is repeated, at most this many times, when other
// processes used more than 15% of a core during it), SCALE_PG_URL (an admin URL,
// default postgres://postgres@127.0.0.1:5432/postgres), SCALE_QUIET_WAIT (seconds to
// wait, before each server start, for the rest of the machine to go quiet;
// default 300, 0 to not wait).
//
// A benchmark, not a test: it asserts nothing about speed. It exits 1 when a
// request failed (non-2xx, socket error or timeout) or the run broke. The
// databases it creates (tessera_scale_<ts>_big and _empty) are dropped however
// the run ends, and the servers it starts are killed.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ROOT,
  SERVER_DIR,
  SERVER_DIST,
  fmtNumber,
  fmtRatio,
  importFromServer,
  machineLine,
  markdownTable,
  median,
  requireBuild,
  children,
  startChild,
  stopChild,
  freePort,
  waitUntilServing,
} from './lib.mjs';

const argv = process.argv.slice(2);
requireBuild();
const autocannon = await import('autocannon').then(
  (module) => module.default,
  () => {
    console.error('scale: autocannon is not installed; run `npm install` at the repository root first.');
    process.exit(2);
  },
);
const pg = (await importFromServer('pg')).default;

const QUICK = argv.includes('--quick');
const USERS = Math.round(positive('SCALE_USERS', QUICK ? 100_000 : 1_000_000));
const TOKENS = Math.round(positive('SCALE_TOKENS', QUICK ? 500_000 : 5_000_000));
const SECONDS = positive('SCALE_SECONDS', QUICK ? 3 : 10);
const WARMUP = positive('SCALE_WARMUP', QUICK ? 1 : 2, true);
const CONNECTIONS = Math.round(positive('SCALE_CONNECTIONS', 32));
const ROUNDS = Math.round(positive('SCALE_ROUNDS', QUICK ? 1 : 3));
const RETRIES = Math.round(positive('SCALE_RETRIES', 2, true));
/** Bench users: one fresh login each for the warm-up chains and the measured chains. */
const BENCH_USERS = 2 * CONNECTIONS;
const QUIET_WAIT = positive('SCALE_QUIET_WAIT', 300, true);
const ADMIN_URL = process.env.SCALE_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PASSWORD = 'scale-bench-password-not-a-secret';
const SECRET_KEY = 'scale-bench-only-secret-key-0123456789abcdef-0123456789';
const TESSERA_BIN = path.join(SERVER_DIR, 'bin', 'tessera.js');
const DAY_MS = 86_400_000;
/** Refresh token lifetime of the seeded tokens (tessera's default, 1 day). */
const REFRESH_TTL_MS = DAY_MS;

if (BENCH_USERS > USERS) {
  console.error(`scale: SCALE_USERS=${USERS} must be at least ${BENCH_USERS} (2 × SCALE_CONNECTIONS)`);
  process.exit(2);
}

function positive(name, fallback, allowZero = false) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    console.error(`scale: ${name}=${JSON.stringify(raw)} must be a positive number`);
    process.exit(2);
  }
  return value;
}

const log = (line) => process.stderr.write(`scale: ${line}\n`);

/** The commit measured, and whether the server's sources differ from it (read-only git calls). */
function sourceVersion() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'not a git checkout';
  const changed = git('status', '--porcelain', '--', 'packages/server/src', 'packages/protocol/src')
    .stdout.split('\n')
    .filter((l) => l.trim() !== '').length;
  return `commit ${head.stdout.trim()}${changed ? ` + ${changed} uncommitted change(s) in the sources` : ''}`;
}

/** A warning when some source file is newer than its compiled file (the run measures the build). */
function staleBuildWarning() {
  const src = path.join(SERVER_DIR, 'src');
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  const newer = walk(src)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .filter((f) => {
      const built = path.join(SERVER_DIST, path.relative(src, f)).replace(/\.ts$/, '.js');
      return !existsSync(built) || statSync(f).mtimeMs > statSync(built).mtimeMs;
    })
    .map((f) => path.relative(src, f));
  return newer.length
    ? `${newer.length} source file(s) are newer than their build (${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', …' : ''}); run \`npm run build\``
    : undefined;
}

// ---------------------------------------------------------------- cleanup

/** Databases created by this run, dropped however it ends. */
const databases = new Set();

function dbUrl(name) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(fn) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropDatabases() {
  if (databases.size === 0) return;
  await admin(async (client) => {
    for (const name of [...databases]) {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      databases.delete(name);
      log(`dropped database ${name}`);
    }
  });
}

process.on('exit', () => {
  for (const { child } of children) child.kill('SIGKILL');
  if (databases.size > 0) {
    // Last resort (async cleanup did not run): drop them from a child process.
    const script =
      `const pg=require(${JSON.stringify(pathToFileURL(path.join(ROOT, 'node_modules', 'pg')).pathname)});` +
      `const c=new pg.Client({connectionString:${JSON.stringify(ADMIN_URL)}});` +
      `c.connect().then(async()=>{for(const n of ${JSON.stringify([...databases])})` +
      `await c.query('DROP DATABASE IF EXISTS "'+n+'" WITH (FORCE)');await c.end();})` +
      `.catch(e=>{console.error(e.message);process.exit(1)})`;
    const r = spawnSync(process.execPath, ['-e', script], { stdio: 'inherit', timeout: 30_000 });
    if (r.status !== 0) console.error(`scale: could not drop ${[...databases].join(', ')}; drop them by hand`);
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping servers and dropping databases`);
    Promise.allSettled([...children].map(stopChild))
      .then(() => dropDatabases())
      .finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- processes

async function runTessera(args, env) {
  const record = startChild(`tessera ${args[0]}`, [TESSERA_BIN, ...args], env);
  await record.done;
  if (record.exitCode !== 0)
    throw new Error(`tessera ${args.join(' ')} exited with ${record.exitCode}:\n${record.output}`);
  return record.output;
}

// ---------------------------------------------------------------- seeding

/** Bench user ids: spread evenly over the id range, so their rows sit all over the indexes. */
function benchUserIds() {
  return Array.from({ length: BENCH_USERS }, (_, k) => 1 + Math.floor((k * USERS) / BENCH_USERS) + (k % 7));
}
const usernameOf = (id) => `user${id}`;

/**
 * The users' SELECT list over a set of ids `i`: one shared precomputed argon2id
 * hash ($1), known usernames user<i>, the bench users ($3) always active.
 */
const USER_COLUMNS =
  'id, username, password, email, first_name, last_name, is_active, is_staff, is_superuser, last_login, date_joined, role, permissions';
const userSelect = (from) => `
  SELECT i, 'user' || i, $1::text, 'user' || i || '@example.com',
         'First' || (i % 1000), 'Last' || (i % 997),
         CASE WHEN i = ANY($3::int[]) THEN 1 WHEN i % 50 = 7 THEN 0 ELSE 1 END,
         (i % 200 = 0)::int, (i % 100000 = 0)::int,
         CASE WHEN i % 5 = 0 THEN NULL ELSE $2::bigint - (abs(hashint8extended(i, 1)) % (180 * ${DAY_MS}::bigint)) END,
         $2::bigint - 180 * ${DAY_MS}::bigint - (abs(hashint8extended(i, 2)) % (1000 * ${DAY_MS}::bigint)),
         (ARRAY['viewer','viewer','viewer','editor','admin'])[1 + (i % 5)],
         CASE WHEN i % 5 = 3 THEN '["articles.change","articles.view"]' ELSE '[]' END
  FROM ${from}`;

async function timed(label, fn, timings) {
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  timings.push([label, ms]);
  log(`  ${label}: ${(ms / 1000).toFixed(1)} s`);
  return result;
}

async function createDatabase(kind, stamp) {
  const name = `tessera_scale_${stamp}_${kind}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  databases.add(name);
  const url = dbUrl(name);
  await runTessera(['migrate'], { DATABASE_URL: url, LOG_LEVEL: 'warn' });
  return { kind, name, url };
}

async function withDb(db, fn) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The empty database: only the bench users. */
async function seedEmpty(db, passwordHash, now) {
  await withDb(db, async (c) => {
    await c.query(`INSERT INTO users (${USER_COLUMNS}) ${userSelect('unnest($3::int[]) AS i')}`, [
      passwordHash,
      now,
      benchUserIds(),
    ]);
    await c.query(`SELECT setval('users_id_seq', (SELECT max(id) FROM users))`);
    await c.query('VACUUM ANALYZE');
  });
}

/**
 * The big database, filled by PostgreSQL itself (INSERT … SELECT FROM generate_series).
 * Sessions: most have 1–10 tokens, 5% are long-lived with 11–60; the counts are
 * cumulated so that exactly TOKENS rows result. Every token but a session's last
 * is used (its successor's issue time); tokens live one day and most sessions
 * are weeks old, so most last tokens have expired; 10% of sessions are revoked.
 */
async function seedBig(db, passwordHash, now) {
  const timings = [];
  const start = performance.now();
  await withDb(db, async (c) => {
    await c.query("SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'");
    const batch = 250_000;
    await timed(
      `users (${fmtNumber(USERS)})`,
      async () => {
        for (let a = 1; a <= USERS; a += batch) {
          const b = Math.min(USERS, a + batch - 1);
          await c.query(`INSERT INTO users (${USER_COLUMNS}) ${userSelect(`generate_series(${a}, ${b}) AS i`)}`, [
            passwordHash,
            now,
            benchUserIds(),
          ]);
        }
        await c.query(`SELECT setval('users_id_seq', (SELECT max(id) FROM users))`);
      },
      timings,
    );

    // Mean tokens per session: 0.95 × 5.5 + 0.05 × 35.5 = 7; 10% headroom, trimmed below.
    const maxSessions = Math.ceil((TOKENS / 7) * 1.1) + 100;
    const sessions = await timed(
      'session plan',
      async () => {
        await c.query(
          `
          CREATE UNLOGGED TABLE scale_plan AS
          SELECT s, ntok, sum(ntok) OVER (ORDER BY s) - ntok AS first_token, user_id, step, created_at, revoked
          FROM (
            SELECT s,
                   CASE WHEN abs(hashint8extended(s, 10)) % 20 = 0
                        THEN 11 + abs(hashint8extended(s, 11)) % 50
                        ELSE 1 + abs(hashint8extended(s, 11)) % 10 END AS ntok,
                   1 + abs(hashint8extended(s, 12)) % ${USERS} AS user_id,
                   300000 + abs(hashint8extended(s, 13)) % 21600000 AS step,
                   abs(hashint8extended(s, 14)) AS age_seed,
                   abs(hashint8extended(s, 15)) % 10 = 0 AS revoked
            FROM generate_series(1, ${maxSessions}) AS s
          ) g
          CROSS JOIN LATERAL (
            SELECT $1::bigint - ntok * step
                   - CASE WHEN age_seed % 10 = 0 THEN age_seed % ${DAY_MS} ELSE age_seed % (90 * ${DAY_MS}::bigint) END
                   AS created_at
          ) t`,
          [now],
        );
        await c.query(`DELETE FROM scale_plan WHERE first_token >= ${TOKENS}`);
        await c.query(`UPDATE scale_plan SET ntok = ${TOKENS} - first_token WHERE first_token + ntok > ${TOKENS}`);
        await c.query('CREATE UNIQUE INDEX ON scale_plan (s)');
        const { rows } = await c.query('SELECT count(*)::int AS n, max(s)::int AS last FROM scale_plan');
        return rows[0];
      },
      timings,
    );

    const sessionBatch = 100_000;
    await timed(
      `sessions (${fmtNumber(sessions.n)})`,
      async () => {
        for (let a = 1; a <= sessions.last; a += sessionBatch) {
          await c.query(
            `INSERT INTO sessions (id, user_id, created_at, last_used_at, revoked_at, revoke_reason, ip, user_agent)
             SELECT md5('s' || s), user_id, created_at, created_at + (ntok - 1) * step,
                    CASE WHEN revoked THEN created_at + (ntok - 1) * step + 60000 END,
                    CASE WHEN revoked THEN (ARRAY['logout','logout','logout','revoke_all','password_changed','admin'])[1 + s % 6] END,
                    '10.' || (s % 256) || '.' || (s / 256 % 256) || '.' || (s / 65536 % 256),
                    'Mozilla/5.0 (X11; Linux x86_64) seed/' || (s % 50)
             FROM scale_plan WHERE s BETWEEN $1 AND $2`,
            [a, a + sessionBatch - 1],
          );
        }
      },
      timings,
    );

    await timed(
      `refresh tokens (${fmtNumber(TOKENS)})`,
      async () => {
        for (let a = 1; a <= sessions.last; a += sessionBatch) {
          await c.query(
            `INSERT INTO refresh_tokens (jti, session_id, parent_jti, issued_at, expires_at, used_at)
             SELECT md5('t' || (first_token + k)), md5('s' || s),
                    CASE WHEN k > 0 THEN md5('t' || (first_token + k - 1)) END,
                    created_at + k * step, created_at + k * step + ${REFRESH_TTL_MS},
                    CASE WHEN k < ntok - 1 THEN created_at + (k + 1) * step END
             FROM scale_plan CROSS JOIN LATERAL generate_series(0, ntok - 1) AS k
             WHERE s BETWEEN $1 AND $2`,
            [a, a + sessionBatch - 1],
          );
        }
      },
      timings,
    );
    await c.query('DROP TABLE scale_plan');
    await timed(
      'VACUUM ANALYZE + CHECKPOINT',
      async () => {
        await c.query('VACUUM ANALYZE');
        await c.query('CHECKPOINT');
      },
      timings,
    );
  });
  return { timings, totalMs: performance.now() - start };
}

async function describeDb(db, now) {
  return withDb(db, async (c) => {
    const count = async (sql) => Number((await c.query(sql)).rows[0].n);
    const size = async (table) =>
      Number((await c.query(`SELECT pg_total_relation_size('${table}') AS n`)).rows[0].n) / 1024 / 1024;
    return {
      users: await count('SELECT count(*) AS n FROM users'),
      sessions: await count('SELECT count(*) AS n FROM sessions'),
      tokens: await count('SELECT count(*) AS n FROM refresh_tokens'),
      revokedSessions: await count('SELECT count(*) AS n FROM sessions WHERE revoked_at IS NOT NULL'),
      usedTokens: await count('SELECT count(*) AS n FROM refresh_tokens WHERE used_at IS NOT NULL'),
      expiredTokens: await count(`SELECT count(*) AS n FROM refresh_tokens WHERE expires_at <= ${now}`),
      liveTokens: await count(
        `SELECT count(*) AS n FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
         WHERE t.used_at IS NULL AND t.expires_at > ${now} AND s.revoked_at IS NULL`,
      ),
      pgVersion: (await c.query('SHOW server_version')).rows[0].server_version,
      sharedBuffers: (await c.query('SHOW shared_buffers')).rows[0].shared_buffers,
      tokensPerSession: (
        await c.query(
          `SELECT width_bucket(n, ARRAY[2, 6, 11, 31]) AS b, count(*)::int AS sessions
           FROM (SELECT count(*) AS n FROM refresh_tokens GROUP BY session_id) x GROUP BY 1 ORDER BY 1`,
        )
      ).rows,
      sizeMiB: {
        users: await size('users'),
        sessions: await size('sessions'),
        refresh_tokens: await size('refresh_tokens'),
        database: Number((await c.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n) / 1024 / 1024,
      },
      relations: (
        await c.query(
          `SELECT c.relname AS name, pg_relation_size(c.oid) / 1048576.0 AS mib FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i') AND c.relname NOT LIKE 'kysely%'
           ORDER BY c.relkind DESC, c.relname`,
        )
      ).rows.map((r) => ({ name: r.name, mib: Number(r.mib) })),
    };
  });
}

// ---------------------------------------------------------------- tessera client

async function login(base, username) {
  const res = await fetch(`${base}/api/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}: ${body}`);
  return JSON.parse(body);
}

/** One login per bench user, 4 at a time (argon2id runs on libuv's 4 threads). */
async function loginAll(base) {
  const names = benchUserIds().map(usernameOf);
  const pairs = [];
  for (let i = 0; i < names.length; i += 4) {
    pairs.push(...(await Promise.all(names.slice(i, i + 4).map((n) => login(base, n)))));
  }
  return pairs;
}

// ---------------------------------------------------------------- measuring

function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** PostgreSQL's processes (any whose command is `postgres`): their CPU is the database's. */
function postgresPids() {
  if (!existsSync('/proc')) return [];
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** What a PostgreSQL process is, from its title: a backend of `dbName`, another backend, or a helper. */
function postgresKind(pid, dbName) {
  let title = '';
  try {
    title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return 'gone';
  }
  const helper =
    /: (checkpointer|background writer|walwriter|autovacuum \w+|logical replication \w+|archiver|stats collector)/.exec(
      title,
    );
  if (helper) return helper[1].replace(/^autovacuum .*/, 'autovacuum');
  if (title.includes(` ${dbName} `)) return 'backends (this database)';
  return /^postgres: /.test(title) ? 'backends (other databases)' : 'postmaster';
}

/** CPU ticks: the whole machine's (busy and total) and each given process's. */
function cpuSnapshot(pids) {
  if (!existsSync('/proc/stat')) return undefined;
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  const procs = {};
  const sys = {};
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs[pid] = Number(rest[11]) + Number(rest[12]); // utime + stime
      sys[pid] = Number(rest[12]);
    } catch {
      procs[pid] = undefined;
    }
  }
  return { busy, total: busy + idle + iowait, procs, sys };
}

async function cannon(url, { duration, setupClient }) {
  const failures = [];
  const latencies = [];
  const wrap = (request) => ({
    ...request,
    onResponse(status, body, context, headers) {
      if ((status < 200 || status >= 300) && failures.length < 3) failures.push(`${status} ${body.slice(0, 200)}`);
      request.onResponse?.(status, body, context, headers);
    },
  });
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections: CONNECTIONS, duration, timeout: 30, setupClient: (client) => setupClient(client, wrap) },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  return { result, failures, latencies };
}

/** Warm-up (discarded), then the measured run with CPU accounting. */
async function measure({ name, url, server, db, prepare, setupClient }) {
  if (WARMUP > 0) {
    prepare('warmup');
    await cannon(url, { duration: WARMUP, setupClient });
  }
  prepare('measured');
  // every postgres process, including backends forked for the server's pool
  const pgPids = postgresPids();
  const pgKinds = Object.fromEntries(pgPids.map((pid) => [pid, postgresKind(pid, db.name)]));
  const pids = [process.pid, server.child.pid, ...pgPids];
  const pgBefore = await pgStats(db);
  const before = cpuSnapshot(pids);
  const { result, failures, latencies } = await cannon(url, { duration: SECONDS, setupClient });
  const after = cpuSnapshot(pids);
  const pgAfter = await pgStats(db);
  if (server.exited) throw new Error(`tessera died (exit ${server.exitCode}):\n${server.output}`);
  let serverCpu;
  let pgCpu;
  let pgCpuByKind;
  let otherCpu;
  if (before && after) {
    const total = after.total - before.total;
    const cores = os.cpus().length;
    const ticks = (pid) =>
      after.procs[pid] === undefined || before.procs[pid] === undefined ? 0 : after.procs[pid] - before.procs[pid];
    serverCpu = (ticks(server.child.pid) / total) * cores;
    pgCpu = (pgPids.reduce((s, pid) => s + ticks(pid), 0) / total) * cores;
    pgCpuByKind = {};
    for (const pid of pgPids) {
      const kind = pgKinds[pid];
      pgCpuByKind[kind] = (pgCpuByKind[kind] ?? 0) + (ticks(pid) / total) * cores;
      const sysTicks = (after.sys[pid] ?? 0) - (before.sys[pid] ?? after.sys[pid] ?? 0);
      pgCpuByKind[`${kind}: kernel`] = (pgCpuByKind[`${kind}: kernel`] ?? 0) + (sysTicks / total) * cores;
    }
    const ours = pids.reduce((s, pid) => s + ticks(pid), 0);
    otherCpu = (Math.max(0, after.busy - before.busy - ours) / total) * cores;
  }
  latencies.sort((a, b) => a - b);
  const row = {
    name,
    rps: result.requests.total / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: result.statusCodeStats,
    failures,
    serverCpu,
    pgCpu,
    pgCpuByKind,
    otherCpu,
    pg: perRequest(name, pgBefore, pgAfter, result.requests.total),
  };
  log(`    ${name}: ${fmtNumber(row.rps)} req/s, p50 ${ms(row.p50)} ms, p99 ${ms(row.p99)} ms`);
  return row;
}

/**
 * Counter deltas per request. A backend publishes its counters at most once a
 * second (and up to 10 s late when idle), so a window's edges are fuzzy; for
 * refresh the divisor is therefore PostgreSQL's own count of updated
 * refresh_tokens rows (exactly one per rotation), which lags alike.
 */
function perRequest(name, before, after, requests) {
  const delta = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]));
  const rotations = delta['upd:refresh_tokens'];
  const divisor = name === 'refresh' && rotations > 0 ? rotations : Math.max(1, requests);
  return Object.fromEntries(Object.entries(delta).map(([k, v]) => [k, v / divisor]));
}

/**
 * PostgreSQL's counters: this database's block reads (misses in shared_buffers)
 * and hits, and the whole cluster's WAL, full-page images and buffers written
 * by backends themselves. Backends publish their counters when idle, at most
 * once a second, hence the pause first.
 */
async function pgStats(db) {
  await new Promise((r) => setTimeout(r, 1500));
  return withDb(db, async (c) => {
    const { rows } = await c.query(
      `SELECT d.blks_read, d.blks_hit, w.wal_bytes, w.wal_fpi, w.wal_write, w.wal_sync, b.buffers_backend
       FROM pg_stat_database d, pg_stat_wal w, pg_stat_bgwriter b WHERE d.datname = current_database()`,
    );
    const stats = Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
    // per relation: heap blocks of each table, blocks of each index
    const relations = await c.query(
      `SELECT relname AS name, heap_blks_hit AS hit, heap_blks_read AS read FROM pg_statio_user_tables
       UNION ALL
       SELECT indexrelname, idx_blks_hit, idx_blks_read FROM pg_statio_user_indexes`,
    );
    const updates = await c.query(
      'SELECT relname AS name, n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables',
    );
    for (const r of updates.rows) {
      stats[`upd:${r.name}`] = Number(r.upd);
      stats[`hot:${r.name}`] = Number(r.hot);
    }
    for (const r of relations.rows) {
      if (r.name.startsWith('kysely')) continue;
      stats[`hit:${r.name}`] = Number(r.hit ?? 0);
      stats[`read:${r.name}`] = Number(r.read ?? 0);
    }
    return stats;
  });
}

const ms = (v) => (v === undefined ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : fmtNumber(v));

/**
 * Waits until the machine is quiet (under 0.3 of a core busy for 5 s in a row),
 * at most QUIET_WAIT seconds: on a shared machine, other work skews the numbers.
 * Returns the seconds waited, or undefined if it never got quiet.
 */
async function waitForQuiet() {
  if (QUIET_WAIT === 0 || !existsSync('/proc/stat')) return 0;
  const start = performance.now();
  let quiet = 0;
  let said = false;
  let prev = cpuSnapshot([]);
  while (performance.now() - start < QUIET_WAIT * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const next = cpuSnapshot([]);
    const cores = ((next.busy - prev.busy) / Math.max(1, next.total - prev.total)) * os.cpus().length;
    prev = next;
    quiet = cores < 0.3 ? quiet + 1 : 0;
    if (quiet >= 5) return (performance.now() - start) / 1000;
    if (!said && performance.now() - start > 6000) {
      log(`    waiting (up to ${QUIET_WAIT} s) for the machine to go quiet: ${Math.round(cores * 100)}% busy`);
      said = true;
    }
  }
  log(`    the machine did not go quiet within ${QUIET_WAIT} s; measuring anyway`);
  return undefined;
}

/** Starts tessera on `db`, logs the bench users in, measures refresh then profile, stops it. */
async function measureDataset(db) {
  const waited = await waitForQuiet();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = startChild(`tessera serve (${db.kind})`, [TESSERA_BIN, 'serve'], {
    DATABASE_URL: db.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    TESSERA_SECRET_KEY: SECRET_KEY,
    TESSERA_RATE_LIMITS: 'off',
    // the big database is meant to keep its expired tokens while it is measured
    TESSERA_PRUNE_INTERVAL: '0',
    LOG_LEVEL: 'warn',
    // so that no access token from the logins can expire however long SCALE_SECONDS is
    TESSERA_ACCESS_TOKEN_LIFETIME: '3600',
  });
  try {
    await waitUntilServing(server, `${base}/healthz`);
    const startupLines = server.lines;
    const loginStart = performance.now();
    const pairs = await loginAll(base);
    log(`    ${pairs.length} logins: ${((performance.now() - loginStart) / 1000).toFixed(1)} s`);

    // Refresh chains: each connection owns one slot and rotates its token again and
    // again. The warm-up uses the first CONNECTIONS logins, the measured run the
    // others: the warm-up ends with answers in flight, whose tokens are lost, and
    // re-sending the old ones would be reuse.
    let chains = [];
    let nextSlot = 0;
    let chainBreaks = 0;
    const refresh = await measure({
      name: 'refresh',
      url: `${base}/api/token/refresh/`,
      server,
      db,
      prepare(phase) {
        chains = (phase === 'warmup' ? pairs.slice(0, CONNECTIONS) : pairs.slice(CONNECTIONS)).map((p) => ({ ...p }));
        nextSlot = 0;
        if (phase === 'measured') chainBreaks = 0;
      },
      setupClient(client, wrap) {
        const chain = chains[nextSlot++ % chains.length];
        client.setRequests([
          wrap({
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ refresh: chain.refresh }) }),
            onResponse(status, body) {
              if (status === 200) {
                const next = JSON.parse(body);
                chain.refresh = next.refresh;
                chain.access = next.access;
              } else chainBreaks++;
            },
          }),
        ]);
      },
    });
    refresh.chainBreaks = chainBreaks;
    const liveChains = chains;

    // Profile: each connection presents the access token of its own bench user's session.
    let profileSlot = 0;
    const access = [...pairs.slice(0, CONNECTIONS).map((p) => p.access), ...liveChains.map((c) => c.access)];
    const profile = await measure({
      name: 'profile',
      url: `${base}/api/profile/`,
      server,
      db,
      prepare() {
        profileSlot = 0;
      },
      setupClient(client, wrap) {
        // the freshest tokens: the measured chains' last answers
        const token = access[CONNECTIONS + (profileSlot++ % CONNECTIONS)];
        client.setRequests([wrap({ method: 'GET', headers: { authorization: `Bearer ${token}` } })]);
      },
    });
    const serverLog = server.lines > startupLines ? server.output.trim().split('\n').slice(-10).join('\n') : undefined;
    return { refresh, profile, serverLog, liveChains, waited };
  } finally {
    await stopChild(server);
  }
}

// ---------------------------------------------------------------- EXPLAIN

const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const md5 = (text) => createHash('md5').update(text).digest('hex');

/**
 * EXPLAIN (ANALYZE, BUFFERS) of every statement the refresh and profile paths
 * issue, as Kysely compiles kysely-store.ts's queries, with the parameters
 * inlined as untyped literals (pg sends them untyped, so they resolve to the
 * column's type alike). The reads use a bench chain's last token (hot) and a
 * seeded token (cold); the rotation's three writes claim a live seeded token
 * inside a transaction that is rolled back.
 */
async function explainRefreshPath(db, chain, now) {
  const hot = claimsOf(chain.refresh);
  const q = (v) => `'${String(v).replace(/'/g, "''")}'`;
  const findRefreshToken = (jti) =>
    `select "t"."jti", "t"."session_id", "t"."used_at", "s"."user_id", "s"."revoked_at", "s"."revoke_reason" from "refresh_tokens" as "t" inner join "sessions" as "s" on "s"."id" = "t"."session_id" where "t"."jti" = ${q(jti)}`;
  return withDb(db, async (c) => {
    // A live seeded token: unused, unexpired, in a session that is not revoked.
    const live = (
      await c.query(
        `SELECT t.jti, t.session_id, s.user_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
         WHERE t.used_at IS NULL AND t.expires_at > $1 AND s.revoked_at IS NULL AND s.user_agent LIKE '%seed/%' LIMIT 1`,
        [now],
      )
    ).rows[0];
    if (live === undefined) throw new Error('the big database has no live seeded token to EXPLAIN a rotation with');
    const statements = [
      ["findRefreshToken (join), a bench chain's token", findRefreshToken(hot.jti)],
      ['findRefreshToken (join), a cold seeded token', findRefreshToken(md5(`t${Math.floor(TOKENS / 3)}`))],
      ['findUserById', `select * from "users" where "id" = ${q(hot.user_id)}`],
      [
        'rotateRefreshToken: conditional UPDATE … EXISTS (a live seeded token)',
        `update "refresh_tokens" set "used_at" = ${q(now)} where "jti" = ${q(live.jti)} and "used_at" is null and exists (select "sessions"."id" from "sessions" where "sessions"."id" = "refresh_tokens"."session_id" and "sessions"."revoked_at" is null) returning "session_id"`,
      ],
      [
        'rotateRefreshToken: INSERT successor',
        `insert into "refresh_tokens" ("jti", "session_id", "parent_jti", "issued_at", "expires_at") values (${q(md5(`successor${now}`))}, ${q(live.session_id)}, ${q(live.jti)}, ${q(now)}, ${q(now + REFRESH_TTL_MS)})`,
      ],
      [
        'rotateRefreshToken: UPDATE sessions.last_used_at',
        `update "sessions" set "last_used_at" = ${q(now)} where "id" = ${q(live.session_id)}`,
      ],
      [
        'findSession (profile: session + user)',
        `select "s"."id" as "session_id", "s"."user_id" as "session_user_id", "s"."revoked_at", "s"."revoke_reason", "u".* from "sessions" as "s" left join "users" as "u" on "u"."id" = "s"."user_id" where "s"."id" = ${q(hot.sid)}`,
      ],
    ];
    const out = [];
    await c.query('BEGIN');
    try {
      for (const [label, sql] of statements) {
        const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`);
        out.push({ label, plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
      }
    } finally {
      await c.query('ROLLBACK');
    }
    return out;
  });
}

// ---------------------------------------------------------------- main

async function main() {
  const started = new Date();
  const stale = staleBuildWarning();
  if (stale) log(`WARNING: ${stale}`);
  const { hash } = await importFromServer('@node-rs/argon2');
  const { ARGON2ID_PARAMETERS } = await import(pathToFileURL(path.join(SERVER_DIST, 'passwords', 'argon2.js')).href);
  const passwordHash = await hash(PASSWORD, ARGON2ID_PARAMETERS);
  const now = Date.now();
  const stamp = started
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);

  log(
    `${QUICK ? 'QUICK' : 'full'} run: ${fmtNumber(USERS)} users, ${fmtNumber(TOKENS)} refresh tokens; ` +
      `${CONNECTIONS} connections, ${WARMUP} s warm-up + ${SECONDS} s per measurement, ${ROUNDS} round(s)`,
  );
  const empty = await createDatabase('empty', stamp);
  await seedEmpty(empty, passwordHash, now);
  const migrateStart = performance.now();
  const big = await createDatabase('big', stamp);
  log(`seeding ${big.name} (${fmtNumber(USERS)} users, ${fmtNumber(TOKENS)} tokens) …`);
  const migrateMs = performance.now() - migrateStart;
  log(`  create database + tessera migrate: ${(migrateMs / 1000).toFixed(1)} s`);
  const seed = await seedBig(big, passwordHash, now);
  seed.timings.unshift(['create database + tessera migrate', migrateMs]);
  seed.totalMs += migrateMs;
  log(`seeded in ${(seed.totalMs / 1000).toFixed(1)} s`);
  const shape = { empty: await describeDb(empty, now), big: await describeDb(big, now) };

  const results = { empty: [], big: [] };
  let lastBigChains;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [empty, big] : [big, empty];
    for (const db of order) {
      log(`round ${round + 1}/${ROUNDS}: ${db.kind} database`);
      // Other work on the machine skews a measurement: repeat it, and keep the least disturbed one.
      const disturbance = (m) => Math.max(m.refresh.otherCpu ?? 0, m.profile.otherCpu ?? 0);
      let r = await measureDataset(db);
      for (let retry = 1; retry <= RETRIES && disturbance(r) > 0.15; retry++) {
        log(
          `    other processes used ${Math.round(disturbance(r) * 100)}% of a core meanwhile: ` +
            `measuring again (${retry}/${RETRIES})`,
        );
        const again = await measureDataset(db);
        r = { ...(disturbance(again) < disturbance(r) ? again : r), retries: retry };
      }
      results[db.kind].push(r);
      if (db.kind === 'big') lastBigChains = r.liveChains;
    }
  }
  const tokensAfter = await withDb(big, async (c) =>
    Number((await c.query('SELECT count(*) AS n FROM refresh_tokens')).rows[0].n),
  );
  log(`big database after the runs: ${fmtNumber(tokensAfter)} refresh tokens`);
  if (tokensAfter < shape.big.tokens)
    throw new Error(
      `refresh tokens went from ${shape.big.tokens} to ${tokensAfter} during the run: something pruned them`,
    );
  log('EXPLAIN ANALYZE of the refresh path on the big database …');
  const explain = await explainRefreshPath(big, lastBigChains[0], Date.now());
  report({ started, shape, seed, results, explain, stale });
}

function aggregate(rows) {
  const pick = (key) => median(rows.map((r) => r[key]).filter((v) => v !== undefined));
  return {
    rps: pick('rps'),
    p50: pick('p50'),
    p99: pick('p99'),
    serverCpu: pick('serverCpu'),
    pgCpu: pick('pgCpu'),
    otherCpu: pick('otherCpu'),
    failed: rows.reduce((s, r) => s + r.non2xx + r.errors, 0),
    all: rows.map((r) => r.rps),
    pg: Object.fromEntries(Object.keys(rows[0].pg).map((k) => [k, median(rows.map((r) => r.pg[k]))])),
  };
}

function report({ started, shape, seed, results, explain, stale }) {
  const agg = {};
  for (const kind of ['empty', 'big']) {
    agg[kind] = {
      refresh: aggregate(results[kind].map((r) => r.refresh)),
      profile: aggregate(results[kind].map((r) => r.profile)),
    };
  }
  const rowsOf = (s) =>
    `${fmtNumber(s.users)} users / ${fmtNumber(s.sessions)} sessions / ${fmtNumber(s.tokens)} tokens`;
  const ratio = (kind) =>
    kind === 'empty'
      ? '1.00× / 1.00× (baseline)'
      : `refresh ${fmtRatio(agg.big.refresh.rps / agg.empty.refresh.rps)} / profile ${fmtRatio(agg.big.profile.rps / agg.empty.profile.rps)}`;
  const table = markdownTable(
    ['dataset', 'rows', 'refresh req/s', 'p50 ms', 'p99 ms', 'profile req/s', 'p50 ms', 'p99 ms', 'ratio big/empty'],
    ['empty', 'big'].map((kind) => [
      kind,
      rowsOf(shape[kind]),
      fmtNumber(agg[kind].refresh.rps),
      ms(agg[kind].refresh.p50),
      ms(agg[kind].refresh.p99),
      fmtNumber(agg[kind].profile.rps),
      ms(agg[kind].profile.p50),
      ms(agg[kind].profile.p99),
      ratio(kind),
    ]),
  );
  const pct = (v) => (v === undefined ? '–' : `${Math.round(v * 100)}%`);
  const per = (v, digits = 2) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));
  const cpuTable = markdownTable(
    [
      'dataset',
      'scenario',
      'req/s per round',
      'tessera CPU',
      'postgres CPU',
      'other CPU',
      'blocks read/req',
      'blocks hit/req',
      'WAL KiB/req',
      'full-page images/req',
      'backend writes/req',
    ],
    ['empty', 'big'].flatMap((kind) =>
      ['refresh', 'profile'].map((sc) => {
        const a = agg[kind][sc];
        return [
          kind,
          sc,
          a.all.map((v) => fmtNumber(v)).join(', '),
          pct(a.serverCpu),
          pct(a.pgCpu),
          pct(a.otherCpu),
          per(a.pg.blks_read),
          per(a.pg.blks_hit, 1),
          per(a.pg.wal_bytes / 1024),
          per(a.pg.wal_fpi),
          per(a.pg.buffers_backend),
        ];
      }),
    ),
  );
  const goal = (v) => (v >= 0.8 ? 'meets' : '**misses**');
  const rRefresh = agg.big.refresh.rps / agg.empty.refresh.rps;
  const rProfile = agg.big.profile.rps / agg.empty.profile.rps;
  const b = shape.big;
  const buckets = Object.fromEntries(b.tokensPerSession.map((x) => [x.b, x.sessions]));
  const lines = [
    `## tessera at scale: PostgreSQL, ${fmtNumber(USERS)} users / ${fmtNumber(TOKENS)} refresh tokens vs empty${QUICK ? ' (--quick)' : ''}`,
    '',
    `${machineLine()} · tessera ${sourceVersion()}`,
    '',
    `autocannon, ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${SECONDS} s measured per scenario, ` +
      `${ROUNDS} round(s) (alternating order; the table gives the median over rounds). ` +
      'tessera (built dist, one process, pool of 10) with TESSERA_RATE_LIMITS=off, TESSERA_PRUNE_INTERVAL=0, LOG_LEVEL=warn, on PostgreSQL ' +
      `${shape.big.pgVersion} at ${new URL(ADMIN_URL).host}, server and load generator on the same machine. ` +
      "Refresh: each connection rotates its own chain (a bench user's login). Profile: `GET /api/profile/`, each " +
      "connection with its own bench user's access token. Latencies are of 2xx responses.",
    '',
    table,
    '',
    `Goal ≥ 0.80×: refresh ${fmtRatio(rRefresh)} ${goal(rRefresh)} it, profile ${fmtRatio(rProfile)} ${goal(rProfile)} it.`,
    '',
    cpuTable,
    '',
    'CPU: 100% = one core, medians over the rounds; "other" is everything but tessera, PostgreSQL and the ' +
      'load generator. Per request (for refresh: per rotation, counted by PostgreSQL itself, whose ' +
      'counters lag by up to a second), medians over the rounds: blocks read = misses in shared_buffers of this ' +
      'database (served by the OS page cache or the disk), blocks hit = found in shared_buffers; WAL, ' +
      'full-page images and buffers written by backends (no clean buffer left) are counted for the whole ' +
      "cluster, so other databases' work adds to them.",
    '',
    `Seeding the big database: **${(seed.totalMs / 1000).toFixed(1)} s** (` +
      seed.timings.map(([l, t]) => `${l} ${(t / 1000).toFixed(1)} s`).join('; ') +
      ').',
    '',
    `Big database: ${fmtNumber(b.users)} users, ${fmtNumber(b.sessions)} sessions ` +
      `(${fmtNumber(b.revokedSessions)} revoked), ${fmtNumber(b.tokens)} refresh tokens ` +
      `(${fmtNumber(b.usedTokens)} used, ${fmtNumber(b.expiredTokens)} expired, ${fmtNumber(b.liveTokens)} live); ` +
      `sessions by token count: 1: ${fmtNumber(buckets[0] ?? 0)}, 2–5: ${fmtNumber(buckets[1] ?? 0)}, ` +
      `6–10: ${fmtNumber(buckets[2] ?? 0)}, 11–30: ${fmtNumber(buckets[3] ?? 0)}, 31+: ${fmtNumber(buckets[4] ?? 0)}. ` +
      `Sizes with indexes: users ${fmtNumber(b.sizeMiB.users)} MiB, sessions ${fmtNumber(b.sizeMiB.sessions)} MiB, ` +
      `refresh_tokens ${fmtNumber(b.sizeMiB.refresh_tokens)} MiB, database ${fmtNumber(b.sizeMiB.database)} MiB ` +
      '(counted right after seeding, before the bench logins); ' +
      b.relations.map((r) => `${r.name} ${fmtNumber(r.mib)} MiB`).join(', ') +
      `. shared_buffers ${b.sharedBuffers}.`,
    '',
  ];
  const failed = [];
  for (const kind of ['empty', 'big']) {
    results[kind].forEach((r, i) => {
      for (const row of [r.refresh, r.profile]) {
        if (row.non2xx + row.errors > 0)
          failed.push(
            `${kind} round ${i + 1} ${row.name}: ${row.non2xx} non-2xx, ${row.errors} errors/timeouts; ` +
              `status codes ${JSON.stringify(row.statusCodes)}${row.failures.length ? `; e.g. ${row.failures.join(' | ')}` : ''}`,
          );
      }
      if (r.refresh.chainBreaks > 0)
        failed.push(`${kind} round ${i + 1}: ${r.refresh.chainBreaks} broken refresh chains`);
      if (r.serverLog)
        lines.push(`tessera on ${kind} (round ${i + 1}) logged at warn or above:`, '', '```', r.serverLog, '```', '');
    });
  }
  const disturbed = ['empty', 'big'].flatMap((k) =>
    ['refresh', 'profile'].filter((s) => agg[k][s].otherCpu > 0.15).map((s) => `${k} ${s}`),
  );
  if (disturbed.length)
    lines.push(
      `Note: other processes used more than 15% of a core during ${disturbed.join(', ')}; those numbers are disturbed.`,
      '',
    );
  const waits = ['empty', 'big'].flatMap((k) =>
    results[k].map(
      (r, i) =>
        `${k} round ${i + 1}: ${r.waited === undefined ? 'never quiet' : `${r.waited.toFixed(0)} s`}` +
        (r.retries ? ` (measured ${r.retries + 1} times, the least disturbed kept)` : ''),
    ),
  );
  lines.push(`Waited for a quiet machine before each server start: ${waits.join(', ')}.`, '');
  if (stale) lines.push(`Note: ${stale}.`, '');
  // Where a refresh's and a profile's blocks come from, relation by relation.
  for (const sc of ['refresh', 'profile']) {
    const names = Object.keys(agg.big[sc].pg)
      .filter((k) => k.startsWith('hit:'))
      .map((k) => k.slice(4))
      .filter((n) =>
        ['empty', 'big'].some((k) => (agg[k][sc].pg[`hit:${n}`] ?? 0) + (agg[k][sc].pg[`read:${n}`] ?? 0) >= 0.05),
      );
    if (names.length === 0) continue;
    lines.push(
      `Blocks per ${sc} by relation (hit in shared_buffers / read from outside it; medians over the rounds):`,
      '',
      markdownTable(
        ['relation', 'empty: hit', 'empty: read', 'big: hit', 'big: read'],
        names.map((n) => [
          n,
          per(agg.empty[sc].pg[`hit:${n}`]),
          per(agg.empty[sc].pg[`read:${n}`]),
          per(agg.big[sc].pg[`hit:${n}`]),
          per(agg.big[sc].pg[`read:${n}`]),
        ]),
      ),
      '',
    );
  }
  const kinds = [
    ...new Set(['empty', 'big'].flatMap((k) => results[k].flatMap((r) => Object.keys(r.refresh.pgCpuByKind ?? {})))),
  ].sort();
  const kindCpu = (k, kind) => median(results[k].map((r) => r.refresh.pgCpuByKind?.[kind] ?? 0));
  const perRotationMs = (k, cpu) => (cpu / agg[k].refresh.rps) * 1000;
  if (kinds.length)
    lines.push(
      'PostgreSQL CPU during refresh by process (share of one core; in brackets CPU ms per rotation; ' +
        '": kernel" is the part spent in the kernel: I/O, fsync), and WAL writes and syncs per rotation ' +
        '(the whole cluster):',
      '',
      markdownTable(
        ['process', 'empty', 'big'],
        [
          ...kinds
            .filter((kind) => ['empty', 'big'].some((k) => kindCpu(k, kind) >= 0.005))
            .map((kind) => [
              kind,
              ...['empty', 'big'].map(
                (k) => `${pct(kindCpu(k, kind))} (${perRotationMs(k, kindCpu(k, kind)).toFixed(2)} ms)`,
              ),
            ]),
          [
            'tessera (for comparison)',
            ...['empty', 'big'].map(
              (k) => `${pct(agg[k].refresh.serverCpu)} (${perRotationMs(k, agg[k].refresh.serverCpu).toFixed(2)} ms)`,
            ),
          ],
          [
            'WAL writes / syncs per rotation',
            ...['empty', 'big'].map((k) => `${per(agg[k].refresh.pg.wal_write)} / ${per(agg[k].refresh.pg.wal_sync)}`),
          ],
        ],
      ),
      '',
    );
  const hotShare = (k, table) => {
    const pg = agg[k].refresh.pg;
    const upd = pg[`upd:${table}`];
    return upd ? `${Math.round((pg[`hot:${table}`] / upd) * 100)}%` : '–';
  };
  lines.push(
    'HOT updates during refresh (an update that is not HOT adds an entry to every index of the table): ' +
      ['refresh_tokens', 'sessions']
        .map((t) => `${t} empty ${hotShare('empty', t)}, big ${hotShare('big', t)}`)
        .join('; ') +
      '.',
    '',
  );
  if (['empty', 'big'].every((k) => agg[k].profile.pg.blks_hit + agg[k].profile.pg.blks_read < 0.5))
    lines.push(
      'Profile read (almost) nothing from PostgreSQL per request: tessera answered it from its own session cache, ' +
        'so its ratio says little about the database size.',
      '',
    );
  lines.push('### EXPLAIN (ANALYZE, BUFFERS) on the big database', '');
  for (const { label, plan } of explain) lines.push(`${label}:`, '', '```', plan, '```', '');
  if (failed.length) {
    lines.push('> **WARNING: some requests failed; these numbers are not valid.**', '>');
    for (const f of failed) lines.push(`> - ${f}`);
    lines.push('');
    process.exitCode = 1;
  }
  console.log(lines.join('\n'));
}

try {
  await main();
} catch (error) {
  console.error(`\nscale: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await Promise.allSettled([...children].map(stopChild));
  try {
    await dropDatabases();
  } catch (error) {
    console.error(`scale: dropping databases failed (${error.message}); the exit hook tries again`);
  }
}
