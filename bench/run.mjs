// `npm run bench`: tessera's HTTP throughput and latency next to its peers,
// all measured side by side in one run: bare Fastify (the ceiling), Fastify +
// @fastify/jwt (the hand-rolled alternative), tessera on SQLite and on
// PostgreSQL, SimpleJWT on Django (the backend tessera stands in for), and the machine's
// argon2id ceiling.
//
// Commands and settings: bench/README.md. A benchmark, not a test: it asserts nothing about speed, and the goals it
// reports never change its exit status. It exits 1 only when a request failed
// (non-2xx, socket error or timeout), because then the numbers measure the
// wrong thing.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  RESULTS_DIR,
  ROOT,
  envNumber,
  fmtNumber,
  fmtPercent,
  importFromServer,
  isSmoke,
  machineLine,
  requireBuild,
  warningLines,
} from './lib.mjs';
import { otherCpuDuring } from './measure.mjs';
import { pgbenchMissing, pgbenchTarget } from './pgbench.mjs';
import { buildReport, writeDocsSection } from './report.mjs';
import {
  GUNICORN_WORKERS,
  PG_ADMIN_URL,
  cleanUpOnExit,
  createPgDatabase,
  simpleJwtMissing,
  simpleJwtVersions,
  startBare,
  startFastifyJwt,
  startSimpleJwt,
  startTessera,
  stopEverything,
  tempDirs,
} from './targets.mjs';
import {
  constantScenario,
  createRunner,
  loginScenario,
  profileScenario,
  refreshScenario,
  verifyScenario,
} from './workloads.mjs';
import { chooseLoadGenerator } from './wrk.mjs';

const argv = process.argv.slice(2);
requireBuild();
const autocannon = await import('autocannon').then(
  (module) => module.default,
  () => {
    console.error('bench: autocannon is not installed; run `npm install` at the repository root first.');
    process.exit(2);
  },
);

if (argv.includes('jwt')) {
  const { runJwtBench } = await import('./jwt.mjs');
  const { markdown } = await runJwtBench();
  console.log(markdown);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, 'jwt.md'), markdown);
  process.exit(0);
}

if (argv.includes('verify')) {
  const { runVerifyBench } = await import('./verify.mjs');
  const { markdown } = await runVerifyBench();
  console.log(markdown);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, 'verify.md'), markdown);
  process.exit(0);
}

if (argv.includes('keys')) {
  const { runKeysBench } = await import('./keys.mjs');
  const { markdown } = await runKeysBench();
  console.log(markdown);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, 'keys.md'), markdown);
  process.exit(0);
}

if (argv.includes('service')) {
  cleanUpOnExit('bench');
  const { runServiceBench } = await import('./verified-service.mjs');
  try {
    const { markdown, warnings } = await runServiceBench({ autocannon });
    console.log(markdown);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = isSmoke(argv) ? 'service-smoke.md' : 'service.md';
    writeFileSync(path.join(RESULTS_DIR, file), markdown);
    console.error(`bench: written to bench/results/${file}`);
    if (warnings.length > 0) {
      loud('NON-2XX RESPONSES OR ERRORS — see the warnings above');
      process.exitCode = 1;
    }
  } catch (error) {
    console.error(`\nbench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopEverything();
    process.exitCode = 1;
  }
  process.exit();
}

const SMOKE = isSmoke(argv);
const SECONDS = SMOKE ? 1 : envNumber('BENCH_SECONDS', 5);
const WARMUP = SMOKE ? 0.5 : envNumber('BENCH_WARMUP', 1, true);
/** Seconds each Node server serves alone right after it starts (warmUp). */
const START_WARMUP = SMOKE ? 0.5 : 3;
const ROUNDS = SMOKE ? 1 : Math.round(envNumber('BENCH_ROUNDS', 3));
const CONNECTIONS = Math.round(envNumber('BENCH_CONNECTIONS', 32));
const STORM_LOAD = envNumber('BENCH_STORM_LOAD', 0.25);
// Above this, on 2 cores shared with two argon2id threads, the load generator falls behind its own schedule.
const STORM_MAX_RATE = envNumber('BENCH_STORM_MAX_RATE', 2500);
const STORM_LOGINS = Math.round(envNumber('BENCH_STORM_LOGINS', 8));
/** The connections of the refresh chains set beside `pgbench -N` (the issue's measurement: 8). */
const PG_CLIENTS = Math.round(envNumber('BENCH_PG_CLIENTS', 8));
const LOAD_GENERATOR = chooseLoadGenerator();
const PEERS = optionalPeers();
const WRITE_DOCS = !SMOKE && !argv.includes('--no-docs');
const DOCS_FILE = path.join(ROOT, 'docs', 'benchmarks.md');

/** The optional servers to run: PostgreSQL and SimpleJWT, unless a smoke run or BENCH_PEERS says otherwise. */
function optionalPeers() {
  const known = ['postgres', 'simplejwt'];
  const raw = (process.env.BENCH_PEERS ?? (SMOKE ? 'none' : 'all')).trim().toLowerCase();
  if (raw === 'all') return new Set(known);
  if (raw === 'none' || raw === '') return new Set();
  const list = raw.split(',').map((s) => s.trim());
  const unknown = list.filter((p) => !known.includes(p));
  if (unknown.length) {
    console.error(`bench: BENCH_PEERS: unknown ${unknown.join(', ')}; use all, none or a list of ${known.join(',')}`);
    process.exit(2);
  }
  return new Set(list);
}

cleanUpOnExit('bench');

// ---------------------------------------------------------------- argon2id ceiling

/** argon2id verifies per second (`rps`) with `parallel` verifies in flight (libuv's pool is 4 threads). */
async function argon2Ceiling(seconds, label) {
  process.stderr.write(`bench: argon2id ceiling${label} …`);
  const { hash, verify } = await importFromServer('@node-rs/argon2');
  const { ARGON2ID_PARAMETERS } = await import('@tessera/server');
  const parallel = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const password = 'argon2-ceiling-password';
  const encoded = await hash(password, ARGON2ID_PARAMETERS);
  if (!encoded.startsWith('$argon2id$')) throw new Error(`unexpected hash ${encoded}`);
  // one sequential verify alone: the latency floor of a login
  const lone = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await verify(encoded, password);
    lone.push(performance.now() - t);
  }
  const { value: rps, otherCpu } = await otherCpuDuring(async () => {
    let count = 0;
    const start = performance.now();
    const deadline = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (performance.now() < deadline) {
          if (!(await verify(encoded, password))) throw new Error('argon2 verify failed');
          count++;
        }
      }),
    );
    return count / ((performance.now() - start) / 1000);
  });
  process.stderr.write(` ${rps.toFixed(1)} verifies/s\n`);
  return { rps, parallel, params: ARGON2ID_PARAMETERS, loneMs: lone.sort((a, b) => a - b)[2], otherCpu };
}

// ---------------------------------------------------------------- main

/**
 * Starts the servers: SimpleJWT (its migrations take seconds) and the
 * PostgreSQL database at once, then each Node server alone, warmed up
 * (`warmUp`) before the next one starts.
 */
async function startServers(tmp, skipped, notes) {
  const servers = {};
  const createPostgres = async () => {
    if (!PEERS.has('postgres')) {
      skipped.push('tessera (PostgreSQL): not selected (BENCH_PEERS, or a smoke run)');
      return undefined;
    }
    const name = `tessera_bench_${process.pid}`;
    try {
      const created = await createPgDatabase(name);
      notes.postgres = `PostgreSQL ${created.version} on ${new URL(PG_ADMIN_URL).host}, database ${name} (dropped afterwards)`;
      return created.url;
    } catch (error) {
      loud(`PostgreSQL at ${PG_ADMIN_URL} is not reachable (${error.message}): tessera (PostgreSQL) SKIPPED`);
      skipped.push(`tessera (PostgreSQL): ${PG_ADMIN_URL} not reachable (${error.message})`);
      return undefined;
    }
  };
  const simplejwt = async () => {
    if (!PEERS.has('simplejwt')) {
      skipped.push('SimpleJWT: not selected (BENCH_PEERS, or a smoke run)');
      return;
    }
    const missing = simpleJwtMissing();
    if (missing) {
      loud(
        `SimpleJWT peer SKIPPED: ${missing}.\n!!! Install Debian's packages with: bash bench/peers/simplejwt/setup.sh`,
      );
      skipped.push(`SimpleJWT: not installed (${missing}); \`bash bench/peers/simplejwt/setup.sh\` installs it`);
      return;
    }
    notes.simplejwt = simpleJwtVersions();
    servers.simplejwt = await startSimpleJwt(path.join(tmp, 'simplejwt'));
  };
  const [postgresUrl] = await Promise.all([createPostgres(), simplejwt()]);
  if (postgresUrl !== undefined) {
    const missing = pgbenchMissing();
    if (missing) skipped.push(`pgbench -N beside the PostgreSQL refresh chains: ${missing}`);
    else {
      notes.pgbench = `\`pgbench -N\` (${PG_CLIENTS} clients, 2 threads) on a database of its own (\`pgbench -i\`, scale 1), in the same rounds as tessera's refresh chains on PostgreSQL at ${PG_CLIENTS} connections`;
      servers.pgbench = await pgbenchTarget({
        name: `tessera_bench_pgbench_${process.pid}`,
        clients: PG_CLIENTS,
        seconds: SECONDS,
      });
    }
  }

  const sqlite = (name) => `sqlite:${path.join(tmp, `${name}.sqlite`)}`;
  const logFile = (key) => path.join(tmp, `${key}.log`);
  // tessera as it ships (LOG_LEVEL's default, info: a line per request, to a file), and at warn beside it.
  const tessera =
    (key, label, databaseUrl, options = {}) =>
    () =>
      startTessera({ key, label, databaseUrl, asShipped: true, logFile: logFile(key), ...options });
  const starts = [
    ['bare', startBare],
    ['fastifyJwt', startFastifyJwt],
    ['sqlite', tessera('sqlite', 'tessera (SQLite)', sqlite('db'))],
    [
      'sqliteWarn',
      tessera('sqliteWarn', 'tessera (SQLite), LOG_LEVEL=warn', sqlite('warn'), {
        asShipped: false,
        logFile: undefined,
      }),
    ],
    [
      'sqliteWorkers',
      tessera('sqliteWorkers', 'tessera (SQLite), --workers 2', sqlite('workers'), { serveArgs: ['--workers', '2'] }),
    ],
    ...(postgresUrl === undefined ? [] : [['postgres', tessera('postgres', 'tessera (PostgreSQL)', postgresUrl)]]),
  ];
  for (const [key, start] of starts) {
    servers[key] = await start();
    await warmUp(servers[key]);
  }
  return servers;
}

/**
 * Serves `target`'s GET for a few seconds on an otherwise idle machine,
 * before the next server starts: a Node server starved of CPU in its first
 * seconds can stay slower for its whole life (docs/benchmarks.md, "A
 * server's first seconds"), so every server gets the same start.
 */
async function warmUp(target) {
  // The GET each server is measured on: bare Fastify's constant, the others' profile.
  const scenario = target.key === 'bare' ? constantScenario(target, '/', target.label) : profileScenario(target);
  process.stderr.write(`bench: warming up ${target.label} alone for ${START_WARMUP} s\n`);
  const runner = createRunner({
    autocannon,
    loadGenerator: LOAD_GENERATOR,
    connections: CONNECTIONS,
    seconds: START_WARMUP,
    warmup: 0,
    servers: [target],
  });
  await runner.throughput(scenario, ' (warm-up)');
}

function loud(message) {
  console.error(`${'!'.repeat(72)}\n!!! bench: ${message}\n${'!'.repeat(72)}`);
}

async function measureAll(s) {
  const runner = createRunner({
    autocannon,
    loadGenerator: LOAD_GENERATOR,
    connections: CONNECTIONS,
    seconds: SECONDS,
    warmup: WARMUP,
    stormLogins: STORM_LOGINS,
    // (s.pgbench is a scenario, not a server)
    servers: Object.values(s).filter((server) => server.record),
  });
  const present = (...keys) => keys.map((k) => s[k]).filter(Boolean);
  const rows = [];
  const add = async (scenarios) => rows.push(...(await runner.inRounds(scenarios, ROUNDS)));
  await add([
    constantScenario(s.bare, '/', 'bare Fastify GET / → {"ok":true} (ceiling)'),
    { ...constantScenario(s.sqlite, '/healthz', 'tessera GET /healthz (constant, page headers)'), variant: 'healthz' },
    ...present('fastifyJwt', 'sqlite', 'sqliteWarn', 'sqliteWorkers', 'postgres', 'simplejwt').map((t) =>
      profileScenario(t),
    ),
  ]);
  await add(present('fastifyJwt', 'sqlite', 'postgres', 'simplejwt').map(verifyScenario));
  await add(present('sqlite', 'sqliteWorkers', 'postgres', 'simplejwt').map((t) => refreshScenario(t, CONNECTIONS)));
  if (s.postgres && s.pgbench) {
    const chains = { ...refreshScenario(s.postgres, PG_CLIENTS), connections: PG_CLIENTS, workload: 'pgceiling' };
    await add([{ ...chains, name: `tessera (PostgreSQL), ${PG_CLIENTS} connections` }, s.pgbench]);
  }
  // The argon2id ceiling in the same rounds as the logins, in this process while the servers idle.
  const ceiling = { measure: (label) => argon2Ceiling(SECONDS, label) };
  await add([...present('sqlite', 'postgres', 'simplejwt').map(loginScenario), ceiling]);
  const argon = rows.pop();
  const stormRate = (t) => {
    const profile = rows.find((r) => r.workload === 'profile' && r.target === t && !r.variant);
    return Math.max(10, Math.min(STORM_MAX_RATE, Math.round(profile.rps * STORM_LOAD)));
  };
  rows.push(...(await runner.stormRounds(present('sqlite', 'postgres', 'simplejwt'), stormRate, ROUNDS)));
  return { rows, argon };
}

function commandLine() {
  const env = Object.keys(process.env)
    .filter((k) => k.startsWith('BENCH_') || k === 'UV_THREADPOOL_SIZE')
    .sort()
    .map((k) => `${k}=${process.env[k]}`);
  const args = argv.length ? ` -- ${argv.join(' ')}` : '';
  return [...env, `npm run bench${args}`].join(' ');
}

function settingsLines(notes) {
  const cores = os.cpus().length;
  const generator =
    LOAD_GENERATOR === 'wrk'
      ? "wrk (Debian's, in C: `BENCH_LOAD_GENERATOR=autocannon` to use autocannon), a thread per core and one per " +
        'connection for refresh chains'
      : "autocannon, in the bench's own process (wrk is used where installed: `apt-get install wrk`)";
  const lines = [
    `Load generator: ${generator}; ${CONNECTIONS} keep-alive connections, no pipelining; servers and load ` +
      'generator share the machine, over loopback.',
    `${ROUNDS} round${ROUNDS > 1 ? 's' : ''}: each round measures every server of a workload in turn (in reverse ` +
      `order every other round), each for ${SECONDS} s${SECONDS < 3 ? ' (login: 3 s)' : ''} after a ${WARMUP} s ` +
      'warm-up. A row shows the medians over its rounds (req/s, latencies, CPU) and its highest peak RSS; a ratio is the ' +
      'median of the ratios round by round, each pair measured within the same round. The argon2id ceiling is ' +
      "measured in the login rounds, in the bench's own process while the servers idle.",
    'tessera: the built server **as it ships**: LOG_LEVEL unset (info: one access-log line per request), its ' +
      'standard output to a file; `LOG_LEVEL=warn` beside it on the protected GET. **Rate limits off ' +
      '(`TESSERA_RATE_LIMITS=off`)**; SQLite in a temp file' +
      (notes.postgres ? `; ${notes.postgres}` : '') +
      `. \`--workers 2\`: two worker processes on the ${os.cpus().length} cores that the load generator shares.`,
    'Fastify + @fastify/jwt: `bench/peers/fastify-jwt.mjs`, HS256, no database; the route verifies the token and ' +
      'answers a constant profile.',
  ];
  if (notes.simplejwt) {
    lines.push(
      `SimpleJWT: ${notes.simplejwt} from Debian, the \`bench/peers/simplejwt\` project (rotation, blacklist after ` +
        "rotation, last-login updates; Django's default PBKDF2-SHA256 hasher; SQLite), under gunicorn with " +
        `${GUNICORN_WORKERS} sync workers (2 × ${cores} cores + 1, gunicorn's documented starting point).`,
    );
  }
  if (notes.pgbench) lines.push(`${notes.pgbench}.`);
  lines.push(
    `Login storm: the protected GET at ${fmtPercent(STORM_LOAD)} of the same server's profile req/s above, at most ` +
      `${fmtNumber(STORM_MAX_RATE)}/s, sent on schedule over ${CONNECTIONS} connections (open loop: latency counts ` +
      `from when a request was due), ${SECONDS} s alone after a ${fmtNumber(Math.max(WARMUP, 0.5), 1)} s warm-up, ` +
      `then ${SECONDS} s while ${STORM_LOGINS} more connections log in without pause; in ${ROUNDS} round(s), the ` +
      'row showing the median round by p99 storm ÷ idle.',
    "req/s: completed responses ÷ measured seconds; latencies of 2xx answers. Server CPU: the server's processes " +
      '(100% = one core); CPU µs/req: server CPU time per answer, which the load generator sharing the machine ' +
      'does not bound; other CPU: everything but the servers and the load generator. Peak RSS: VmHWM during ' +
      'the measured seconds (reset before them).',
  );
  return lines;
}

/** What the servers logged at warning level or above after they started (the access log of info is not shown). */
async function serverLogs(servers) {
  const out = [];
  const logged = ['sqlite', 'sqliteWarn', 'sqliteWorkers', 'postgres', 'simplejwt'].map((k) => servers[k]);
  for (const t of logged.filter(Boolean)) {
    // stdout in a file: its warnings; everything else the server printed counts as one
    const fromFile = await warningLines(t.record);
    const lines = fromFile.length + t.record.lines - (t.startupWarnings ?? 0);
    if (lines > 0) {
      const last = [...fromFile, ...t.record.output.trim().split('\n')].filter(Boolean).slice(-10);
      out.push(`${t.label} logged ${lines} line(s) at warning level or above; the last ones:`, '');
      out.push('```', last.join('\n'), '```', '');
    }
    if (t.record.exited && t.record.exitCode !== 0) out.push(`${t.label} exited with ${t.record.exitCode}.`, '');
  }
  return out.join('\n');
}

/**
 * The service rows (bench/verified-service.mjs), after the servers above have
 * stopped; a failure there is reported without losing the report above.
 */
async function serviceSection() {
  const { runServiceBench } = await import('./verified-service.mjs');
  try {
    const { markdown, warnings } = await runServiceBench({ autocannon, smoke: SMOKE });
    return { markdown, failed: warnings.length > 0 };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`\nbench: the service rows FAILED: ${message}`);
    await stopEverything();
    return { markdown: `### A service behind tessera\n\n**FAILED:** \`${message.split('\n')[0]}\`\n`, failed: true };
  }
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
  tempDirs.add(tmp);
  try {
    const skipped = [];
    const notes = {};
    const servers = await startServers(tmp, skipped, notes);
    process.stderr.write(
      `bench: ${SMOKE ? 'SMOKE run (numbers are not meaningful)' : 'full run'}: ${ROUNDS} round(s) of ${SECONDS} s ` +
        `per scenario after ${WARMUP} s warm-up, ${CONNECTIONS} connections; tessera with rate limits off (TESSERA_RATE_LIMITS=off)\n`,
    );
    const { rows, argon } = await measureAll(servers);
    const logs = await serverLogs(servers);
    await stopEverything();
    const service = await serviceSection();

    const machine = machineLine();
    const { markdown, svg, warnings } = buildReport({
      rows,
      argon,
      smoke: SMOKE,
      command: commandLine(),
      machine,
      settingsLines: settingsLines(notes),
      skipped,
    });
    const title = `## tessera benchmark${SMOKE ? ' (SMOKE: ~1 s per scenario, not meaningful)' : ''}`;
    const full = [title, '', markdown, logs, service.markdown].join('\n');
    console.log(full);

    mkdirSync(RESULTS_DIR, { recursive: true });
    const stem = SMOKE ? 'latest-smoke' : 'latest';
    writeFileSync(path.join(RESULTS_DIR, `${stem}.md`), `${full}\n`);
    writeFileSync(path.join(RESULTS_DIR, `${stem}.svg`), svg);
    console.error(`bench: written to bench/results/${stem}.md and ${stem}.svg`);
    if (WRITE_DOCS) {
      copyFileSync(path.join(RESULTS_DIR, `${stem}.svg`), path.join(ROOT, 'docs', 'benchmarks.svg'));
      await writeDocsSection(DOCS_FILE, `${markdown}\n![Throughput per server and workload](benchmarks.svg)\n`);
      console.error('bench: docs/benchmarks.md (generated section) and docs/benchmarks.svg updated');
    }
    if (warnings.length > 0 || service.failed) {
      loud('NON-2XX RESPONSES OR ERRORS — see the warnings above');
      process.exitCode = 1;
    }
  } finally {
    await stopEverything().catch((error) => console.error(`bench: dropping databases: ${error.message}`));
    rmSync(tmp, { recursive: true, force: true });
    tempDirs.delete(tmp);
  }
}

try {
  await main();
} catch (error) {
  console.error(`\nbench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopEverything();
  process.exitCode = 1;
}
