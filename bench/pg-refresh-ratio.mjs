#!/usr/bin/env node
// Refresh chains on PostgreSQL ÷ `pgbench -N`, at the same client count, run
// back to back (twice by default) so that both share the machine alike.
// Standalone: `node bench/pg-refresh-ratio.mjs [clients=8] [seconds=10] [rounds=2]`.
// Needs wrk and pgbench on PATH, and the PostgreSQL of BENCH_PG_URL. With
// BENCH_BASELINE_BIN (another checkout's packages/server/bin/tessera.js), that
// build runs beside this one in each round. Besides rates it reports what the
// shared CPU does not blur: the server's CPU time per refresh (from /proc) and
// PostgreSQL transactions committed per refresh (pg_stat_database).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import {
  PG_ADMIN_URL,
  SECRET_KEY,
  TESSERA_ENV,
  cleanUpOnExit,
  createPgDatabase,
  dropPgDatabase,
  httpLogin,
  stopEverything,
  tempDirs,
} from './targets.mjs';
import {
  SERVER_DIR,
  freePort,
  importFromServer,
  processTree,
  startChild,
  stopChild,
  waitUntilServing,
} from './lib.mjs';

const [clients = 8, seconds = 10, rounds = 2] = process.argv.slice(2).map(Number);
cleanUpOnExit('pg-refresh-ratio');

const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-refresh-ratio-'));
tempDirs.add(dir);

// One connection per wrk thread, so a thread's Lua state holds its chain's token.
const LUA = `
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do tokens[#tokens + 1] = line end
local next_slot = 1
function setup(thread)
  thread:set("token", tokens[next_slot])
  next_slot = next_slot + 1
end
breaks = 0
function request()
  return wrk.format("POST", nil, { ["content-type"] = "application/json" }, '{"refresh":"' .. token .. '"}')
end
function response(status, headers, body)
  if status == 200 then token = body:match('"refresh":"([^"]+)"') else breaks = breaks + 1 end
end
`;
writeFileSync(path.join(dir, 'refresh.lua'), LUA);
// BENCH_WORKLOAD=login: logins instead (argon2id-bound; what changes is the event loop's share).
const workload = process.env.BENCH_WORKLOAD === 'login' ? 'login' : 'refresh';
writeFileSync(
  path.join(dir, 'login.lua'),
  `wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\n` +
    `wrk.body = '{"username":"bench","password":"bench-password-not-a-secret"}'\n`,
);

function pgbench(url) {
  const run = spawnSync('pgbench', ['-N', '-c', String(clients), '-j', '2', '-T', String(seconds), url], {
    encoding: 'utf8',
  });
  const tps = /tps = ([\d.]+)/.exec(run.stdout)?.[1];
  if (tps === undefined) throw new Error(`pgbench failed:\n${run.stdout}\n${run.stderr}`);
  return Number(tps);
}

const USER = { username: 'bench', password: 'bench-password-not-a-secret' };

/** `tessera serve` from `bin` on a database of its own, with the bench user. */
async function startServer(label, bin) {
  const { url } = await createPgDatabase(`tessera_ratio_${label}_${process.pid}`);
  const env = { ...TESSERA_ENV, TESSERA_SECRET_KEY: SECRET_KEY, DATABASE_URL: url };
  const create = startChild(
    'createuser',
    [bin, 'createuser', '--username', USER.username, '--password', USER.password, '--email', 'bench@example.com'],
    env,
  );
  await create.done;
  if (create.exitCode !== 0) throw new Error(create.output);
  const port = await freePort();
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const record = startChild(label, [...nodeArgs, bin, 'serve'], { ...env, PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  const target = {
    label,
    record,
    database: new URL(url).pathname.slice(1),
    credentials: USER,
    paths: { login: '/api/token/', refresh: '/api/token/refresh/' },
    url: (p) => `${base}${p}`,
  };
  await waitUntilServing(record, target.url('/healthz'));
  return target;
}

/** User + system CPU seconds of a process tree, from /proc. */
function cpuSeconds(pid, mainThreadOnly = false) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const stat = readFileSync(mainThreadOnly ? `/proc/${p}/task/${p}/stat` : `/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

const { default: pg } = await importFromServer('pg');
async function commits(database) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query('select xact_commit::int8 as n from pg_stat_database where datname = $1', [
      database,
    ]);
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

function wrk(args, env = {}) {
  const run = spawnSync('wrk', args, { encoding: 'utf8', env: { ...process.env, ...env } });
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout)?.[1];
  const total = /(\d+) requests in/.exec(run.stdout)?.[1];
  if (rate === undefined || /Non-2xx/.test(run.stdout)) throw new Error(`wrk failed:\n${run.stdout}\n${run.stderr}`);
  return { rate: Number(rate), total: Number(total) };
}

function login(target) {
  const args = ['-t', String(clients), '-c', String(clients), '-d', `${seconds}s`];
  return wrk([...args, '-s', path.join(dir, 'login.lua'), target.url(target.paths.login)]);
}

async function refresh(target) {
  if (workload === 'login') return login(target);
  const tokens = [];
  for (let i = 0; i < clients; i++) tokens.push((await httpLogin(target)).refresh);
  const file = path.join(dir, 'tokens');
  writeFileSync(file, tokens.join('\n') + '\n');
  const args = ['-t', String(clients), '-c', String(clients), '-d', `${seconds}s`];
  return wrk([...args, '-s', path.join(dir, 'refresh.lua'), target.url(target.paths.refresh)], { TOKENS_FILE: file });
}

/** Rate, server CPU µs (all threads, and the main one) and commits, per request (the stats lag: read after a pause). */
async function measure(target) {
  const cpu0 = cpuSeconds(target.record.child.pid);
  const main0 = cpuSeconds(target.record.child.pid, true);
  const commits0 = await commits(target.database);
  const { rate, total } = await refresh(target);
  const cpu = cpuSeconds(target.record.child.pid) - cpu0;
  const main = cpuSeconds(target.record.child.pid, true) - main0;
  await new Promise((r) => setTimeout(r, 1000));
  const txns = (await commits(target.database)) - commits0;
  return { rate, cpuMicros: (cpu * 1e6) / total, mainMicros: (main * 1e6) / total, commitsPer: txns / total };
}

const scratch = `pgbench_ratio_${process.pid}`;
const { url: pgbenchUrl } = await createPgDatabase(scratch);
const init = spawnSync('pgbench', ['-i', '-q', pgbenchUrl], { encoding: 'utf8' });
if (init.status !== 0) throw new Error(init.stderr);
const builds = [['this', path.join(SERVER_DIR, 'bin', 'tessera.js')]];
if (process.env.BENCH_BASELINE_BIN) builds.unshift(['baseline', process.env.BENCH_BASELINE_BIN]);
const targets = [];
for (const [label, bin] of builds) targets.push(await startServer(label, bin));
// Warm-up: JIT, the pool's connections, PostgreSQL's caches.
for (const target of targets) await refresh(target);
console.log(`clients ${clients}, ${seconds} s each, PostgreSQL at ${new URL(PG_ADMIN_URL).host}`);
for (let round = 1; round <= rounds; round++) {
  const tps = pgbench(pgbenchUrl);
  const parts = [`pgbench -N ${tps.toFixed(0)} tps`];
  for (const target of targets) {
    const { rate, cpuMicros, mainMicros, commitsPer } = await measure(target);
    parts.push(
      `${target.label} ${workload} ${rate.toFixed(0)}/s = ${(rate / tps).toFixed(2)}× (server CPU ${cpuMicros.toFixed(0)} µs, ` +
        `event loop ${mainMicros.toFixed(0)} µs, ${commitsPer.toFixed(2)} commits, per ${workload})`,
    );
  }
  console.log(`round ${round}: ${parts.join('; ')}`);
}
for (const target of targets) await stopChild(target.record);
await dropPgDatabase(scratch);
await stopEverything();
