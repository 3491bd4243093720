// `npm run bench`: tessera's HTTP throughput and latency next to a bare
// Fastify ceiling and the machine's argon2id ceiling, all in one run.
//
//   npm run build && npm run bench              full run, BENCH_SECONDS (default 8) per scenario
//   npm run bench -- --smoke                    ~1 s per scenario (or BENCH_SMOKE=1), for CI
//   npm run bench -- jwt                        only the JWT micro-benchmark (bench/jwt.mjs)
//
// Environment: BENCH_SECONDS, BENCH_CONNECTIONS (default 32), BENCH_WARMUP
// (seconds, default 2; 0.5 with --smoke), BENCH_SMOKE=1.
// A benchmark, not a test: it asserts nothing about speed. It exits 1 only
// when a request failed (non-2xx, socket error or timeout), because then the
// numbers measure the wrong thing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  RESULTS_DIR,
  ROOT,
  SERVER_DIR,
  SERVER_DIST,
  fmtNumber,
  fmtPercent,
  fmtRatio,
  importFromServer,
  isSmoke,
  machineLine,
  markdownTable,
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

const SMOKE = isSmoke(argv);
const SECONDS = SMOKE ? 1 : positive('BENCH_SECONDS', 8);
const WARMUP = SMOKE ? 0.5 : positive('BENCH_WARMUP', 2, true);
const CONNECTIONS = Math.round(positive('BENCH_CONNECTIONS', 32));
const USERNAME = 'bench';
const PASSWORD = 'bench-password-not-a-secret';
const SECRET_KEY = 'bench-only-secret-key-0123456789abcdef-0123456789';
const TESSERA_BIN = path.join(SERVER_DIR, 'bin', 'tessera.js');
const BARE_SCRIPT = path.join(ROOT, 'bench', 'bare-fastify.mjs');
const UNCHECKED_SCRIPT = path.join(ROOT, 'bench', 'tessera-unchecked.mjs');

function positive(name, fallback, allowZero = false) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    console.error(`bench: ${name}=${JSON.stringify(raw)} must be a positive number`);
    process.exit(2);
  }
  return value;
}

// ---------------------------------------------------------------- processes

/** The servers under test, whose CPU use each scenario reports. */
const ourServers = [];

async function stopAll() {
  await Promise.all([...children].map(stopChild));
}

/** Temp directories to remove however the run ends. */
const tempDirs = new Set();

process.on('exit', () => {
  for (const { child } of children) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the servers`);
    void stopAll().finally(() => process.exit(130));
  });
}

async function runCommand(args, env) {
  const record = startChild(`tessera ${args[1]}`, args, env);
  await record.done;
  if (record.exitCode !== 0) {
    throw new Error(`\`${args.slice(1).join(' ')}\` exited with ${record.exitCode}:\n${record.output}`);
  }
  return record.output;
}

/** Peak resident set size in MiB (VmHWM), or undefined off Linux. */
function peakRssMiB(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- tessera client

async function login(base) {
  const res = await fetch(`${base}/api/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${body}`);
  return JSON.parse(body);
}

async function loginMany(base, count) {
  const pairs = [];
  for (let i = 0; i < count; i += 4) {
    pairs.push(...(await Promise.all(Array.from({ length: Math.min(4, count - i) }, () => login(base)))));
  }
  return pairs;
}

// ---------------------------------------------------------------- measuring

/**
 * One autocannon run; returns autocannon's result, our own latency samples
 * (autocannon's histogram keeps whole milliseconds only) and up to 3 sample
 * failure bodies.
 */
async function cannon(url, { duration, requests = [{}], setupClient }) {
  const failures = [];
  const latencies = [];
  const sampleFailures = (request) => ({
    ...request,
    onResponse(status, body, context, headers) {
      if ((status < 200 || status >= 300) && failures.length < 3) failures.push(`${status} ${body.slice(0, 200)}`);
      request.onResponse?.(status, body, context, headers);
    },
  });
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration,
        timeout: 30,
        requests: requests.map(sampleFailures),
        setupClient: setupClient ? (client) => setupClient(client, sampleFailures) : undefined,
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  return { result, failures, latencies };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** CPU ticks: the whole machine's (busy and total) and each given process's. */
function cpuSnapshot(pids) {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  const procs = {};
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs[pid] = Number(rest[11]) + Number(rest[12]); // utime + stime
    } catch {
      procs[pid] = 0;
    }
  }
  return { busy, total: busy + idle + iowait, procs };
}

/** Throws, with its last output, when a server under test has died. */
function assertServersAlive() {
  for (const record of ourServers) {
    if (record.exited) {
      throw new Error(`${record.name} died (exit ${record.exitCode}); its last output:\n${record.output.trim()}`);
    }
  }
}

async function measure(scenario) {
  assertServersAlive();
  process.stderr.write(`bench: ${scenario.name} …`);
  const duration = scenario.minSeconds ? Math.max(SECONDS, scenario.minSeconds) : SECONDS;
  await scenario.prepare?.();
  if (WARMUP > 0) {
    await cannon(scenario.url, { ...scenario, duration: WARMUP });
    await scenario.prepare?.();
  }
  const pids = [process.pid, ...ourServers.map((r) => r.child.pid)];
  const before = existsSync('/proc/stat') ? cpuSnapshot(pids) : undefined;
  const { result, failures, latencies } = await cannon(scenario.url, { ...scenario, duration });
  assertServersAlive();
  let serverCpu;
  let otherCpu;
  if (before) {
    const after = cpuSnapshot(pids);
    const ticks = (pid) => after.procs[pid] - before.procs[pid];
    const total = after.total - before.total;
    const ours = pids.reduce((sum, pid) => sum + ticks(pid), 0);
    // both as a share of one core, like top: 200% is the whole 2-core machine
    const cores = os.cpus().length;
    serverCpu = (ticks(scenario.server.child.pid) / total) * cores;
    otherCpu = (Math.max(0, after.busy - before.busy - ours) / total) * cores;
  }
  const rssMiB = peakRssMiB(scenario.server.child.pid);
  latencies.sort((a, b) => a - b);
  const completed = result.requests.total;
  const row = {
    ...scenario,
    rps: completed / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: result.statusCodeStats,
    failures,
    completed,
    duration: result.duration,
    serverCpu,
    otherCpu,
    rssMiB,
  };
  process.stderr.write(` ${fmtNumber(row.rps)} req/s\n`);
  return row;
}

/** argon2id verifies per second with `parallel` verifies in flight (libuv's pool is 4 threads). */
async function argon2Ceiling(seconds) {
  const { hash, verify } = await importFromServer('@node-rs/argon2');
  const { ARGON2ID_PARAMETERS } = await import(pathToFileURL(path.join(SERVER_DIST, 'passwords', 'argon2.js')).href);
  const parallel = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const encoded = await hash(PASSWORD, ARGON2ID_PARAMETERS);
  if (!encoded.startsWith('$argon2id$')) throw new Error(`unexpected hash ${encoded}`);
  // one sequential verify alone: the latency floor of a login
  const lone = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await verify(encoded, PASSWORD);
    lone.push(performance.now() - t);
  }
  const before = existsSync('/proc/stat') ? cpuSnapshot([process.pid]) : undefined;
  let count = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < deadline) {
        if (!(await verify(encoded, PASSWORD))) throw new Error('argon2 verify failed');
        count++;
      }
    }),
  );
  const rate = count / ((performance.now() - start) / 1000);
  let otherCpu;
  if (before) {
    const after = cpuSnapshot([process.pid]);
    const ours = after.procs[process.pid] - before.procs[process.pid];
    otherCpu = (Math.max(0, after.busy - before.busy - ours) / (after.total - before.total)) * os.cpus().length;
  }
  return { rate, parallel, params: ARGON2ID_PARAMETERS, loneMs: lone.sort((a, b) => a - b)[2], otherCpu };
}

// ---------------------------------------------------------------- main

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
  tempDirs.add(tmp);
  try {
    const [port, barePort, uncheckedPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      DATABASE_URL: `sqlite:${path.join(tmp, 'db.sqlite')}`,
      TESSERA_SECRET_KEY: SECRET_KEY,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
    };
    await runCommand([TESSERA_BIN, 'createuser', '--username', USERNAME, '--password', PASSWORD], env);

    const tessera = startChild('tessera serve', [TESSERA_BIN, 'serve'], { ...env, PORT: String(port) });
    const bare = startChild('bare Fastify', [BARE_SCRIPT], { PORT: String(barePort), HOST: '127.0.0.1' });
    // The same database, served without the revocation check: what the check costs.
    const unchecked = startChild('tessera without revocation check', [UNCHECKED_SCRIPT], {
      ...env,
      PORT: String(uncheckedPort),
    });
    ourServers.push(tessera, bare, unchecked);
    const base = `http://127.0.0.1:${port}`;
    const bareUrl = `http://127.0.0.1:${barePort}/`;
    const uncheckedBase = `http://127.0.0.1:${uncheckedPort}`;
    await Promise.all([
      waitUntilServing(tessera, `${base}/healthz`),
      waitUntilServing(bare, bareUrl),
      waitUntilServing(unchecked, `${uncheckedBase}/healthz`),
    ]);
    const startupLines = tessera.lines;

    process.stderr.write(
      `bench: ${SMOKE ? 'SMOKE run (numbers are not meaningful)' : 'full run'}: ${SECONDS} s per scenario ` +
        `after ${WARMUP} s warm-up, ${CONNECTIONS} connections\n`,
    );
    const rows = [];
    rows.push(
      await measure({
        key: 'bare',
        name: 'bare Fastify GET / → {"ok":true} (ceiling)',
        url: bareUrl,
        server: bare,
      }),
    );
    rows.push(
      await measure({ key: 'healthz', name: 'tessera GET /healthz (floor)', url: `${base}/healthz`, server: tessera }),
    );

    // A fresh access token (5 min lifetime) for each run of each scenario.
    const profile = {
      key: 'profile',
      server: tessera,
      name: 'tessera GET /api/profile/ (Bearer)',
      url: `${base}/api/profile/`,
      async prepare() {
        const { access } = await login(base);
        profile.requests = [{ method: 'GET', headers: { authorization: `Bearer ${access}` } }];
      },
    };
    rows.push(await measure(profile));
    const profileUnchecked = {
      key: 'profileUnchecked',
      server: unchecked,
      name: 'same, without the revocation check (sessions trusted once seen)',
      url: `${uncheckedBase}/api/profile/`,
      async prepare() {
        const { access } = await login(uncheckedBase);
        profileUnchecked.requests = [{ method: 'GET', headers: { authorization: `Bearer ${access}` } }];
      },
    };
    rows.push(await measure(profileUnchecked));
    const verify = {
      key: 'verify',
      server: tessera,
      name: 'tessera POST /api/token/verify/',
      url: `${base}/api/token/verify/`,
      async prepare() {
        const { access } = await login(base);
        const body = JSON.stringify({ token: access });
        verify.requests = [{ method: 'POST', headers: { 'content-type': 'application/json' }, body }];
      },
    };
    rows.push(await measure(verify));

    // Refresh chains: one refresh token per connection, replaced by the one
    // each answer carries, so every request rotates a live token once. The
    // chains start from fresh logins before the warm-up and again before the
    // measured run: the warm-up ends with requests in flight whose answers
    // (new tokens) are lost, and re-sending those tokens would be reuse.
    let chains = [];
    let chainBreaks = 0;
    let nextSlot = 0;
    const refreshScenario = {
      key: 'refresh',
      server: tessera,
      name: `tessera POST /api/token/refresh/ (${CONNECTIONS} chains)`,
      url: `${base}/api/token/refresh/`,
      async prepare() {
        chains = (await loginMany(base, CONNECTIONS)).map((pair) => pair.refresh);
        chainBreaks = 0;
        nextSlot = 0;
      },
      setupClient(client, wrap) {
        const slot = nextSlot++ % chains.length;
        client.setRequests([
          wrap({
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ refresh: chains[slot] }) }),
            onResponse(status, body) {
              if (status === 200) chains[slot] = JSON.parse(body).refresh;
              else chainBreaks++;
            },
          }),
        ]);
      },
    };
    rows.push(await measure(refreshScenario));

    rows.push(
      await measure({
        key: 'login',
        server: tessera,
        // at ~1 s per login under 32 connections, a 1 s smoke run would see none complete
        minSeconds: 3,
        name: 'tessera POST /api/token/ (login, argon2id)',
        url: `${base}/api/token/`,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
          },
        ],
      }),
    );

    const rss = { tessera: peakRssMiB(tessera.child.pid), bare: peakRssMiB(bare.child.pid) };
    const serverLog = { lines: tessera.lines - startupLines, tail: tessera.output };
    await stopAll(); // quiet machine for the argon2 ceiling
    if (tessera.exitCode !== 0 && tessera.exitCode !== null)
      serverLog.exit = `tessera serve exited with ${tessera.exitCode}`;

    process.stderr.write('bench: argon2id ceiling …');
    const argon = await argon2Ceiling(SMOKE ? 1 : Math.min(SECONDS, 5));
    process.stderr.write(` ${argon.rate.toFixed(1)} verifies/s\n`);

    report({ rows, rss, argon, serverLog, chainBreaks });
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
    tempDirs.delete(tmp);
  }
}

function report({ rows, rss, argon, serverLog, chainBreaks }) {
  const by = Object.fromEntries(rows.map((r) => [r.key, r]));
  const bareRps = by.bare.rps;
  const ms = (v) => (v === undefined ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : fmtNumber(v));
  const cpu = (v) => (v === undefined ? '–' : `${Math.round(v * 100)}%`);
  const table = markdownTable(
    [
      'scenario',
      'req/s',
      'p50 ms',
      'p99 ms',
      'non-2xx',
      'vs bare Fastify',
      'server CPU',
      'other CPU',
      'server peak RSS',
    ],
    rows.map((r) => [
      r.name,
      fmtNumber(r.rps, r.rps < 100 ? 1 : 0),
      ms(r.p50),
      ms(r.p99),
      r.non2xx + r.errors === 0 ? '0' : `**${r.non2xx + r.errors}**`,
      r.key === 'bare' ? '1.00×' : fmtRatio(r.rps / bareRps),
      cpu(r.serverCpu),
      cpu(r.otherCpu),
      r.rssMiB === undefined ? '–' : `${Math.round(r.rssMiB)} MiB`,
    ]),
  );
  const { memoryCost, timeCost, parallelism } = argon.params;
  const summary = markdownTable(
    ['measure', 'value'],
    [
      ['profile ÷ bare Fastify', fmtRatio(by.profile.rps / bareRps)],
      ['profile ÷ tessera /healthz', fmtRatio(by.profile.rps / by.healthz.rps)],
      [
        'profile with ÷ without the revocation check (goal ≥ 90%)',
        fmtPercent(by.profile.rps / by.profileUnchecked.rps),
      ],
      ['refresh (rotations/s, absolute)', fmtNumber(by.refresh.rps)],
      ['login (logins/s, absolute)', fmtNumber(by.login.rps, 1)],
      [
        `argon2id verify ceiling (m=${memoryCost},t=${timeCost},p=${parallelism}; ${argon.parallel} in flight)`,
        `${argon.rate.toFixed(1)}/s (one alone: ${argon.loneMs.toFixed(1)} ms; other CPU ${cpu(argon.otherCpu)})`,
      ],
      ['login ÷ argon2id ceiling', fmtPercent(by.login.rps / argon.rate)],
      ['tessera peak RSS (VmHWM)', rss.tessera === undefined ? '–' : `${rss.tessera.toFixed(1)} MiB`],
      ['bare Fastify peak RSS (VmHWM)', rss.bare === undefined ? '–' : `${rss.bare.toFixed(1)} MiB`],
    ],
  );

  const warnings = [];
  for (const r of rows) {
    if (r.non2xx + r.errors > 0) {
      warnings.push(
        `${r.name}: ${r.non2xx} non-2xx, ${r.errors} errors/timeouts; status codes ${JSON.stringify(r.statusCodes)}` +
          (r.failures.length ? `; e.g. ${r.failures.join(' | ')}` : ''),
      );
    }
  }
  const busy = rows.filter((r) => r.otherCpu > 0.15);
  if (argon.otherCpu > 0.15) busy.push({ key: 'argon2id ceiling' });
  const disturbed = busy.length
    ? `Other processes used more than 15% of a core during: ${busy.map((r) => r.key).join(', ')}; ` +
      'those numbers are disturbed (run again on a quiet machine).'
    : undefined;
  if (chainBreaks > 0) warnings.push(`${chainBreaks} refresh answers were not 200: those chains re-sent their token`);
  if (serverLog.exit) warnings.push(serverLog.exit);

  const lines = [
    `## tessera benchmark${SMOKE ? ' (SMOKE: ~1 s per scenario, not meaningful)' : ''}`,
    '',
    machineLine(),
    '',
    `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per scenario${SECONDS < 3 ? ' (login: 3 s)' : ''} ` +
      `after ${WARMUP} s warm-up, ` +
      'server and load generator on the same machine; tessera on SQLite (a temp file), LOG_LEVEL=warn. ' +
      'req/s counts completed responses over the measured seconds; latencies are of 2xx responses. ' +
      '"server CPU" is the server process, "other CPU" everything on the machine except the servers and ' +
      'the load generator (100% = one core); "server peak RSS" is the server\'s VmHWM so far, after the scenario.',
    '',
    table,
    '',
    ...(disturbed ? [`Note: ${disturbed}`, ''] : []),
    summary,
    '',
  ];
  if (serverLog.lines > 0) {
    lines.push(`The server logged ${serverLog.lines} line(s) at warn or above during the run; the last ones:`, '');
    lines.push('```', serverLog.tail.trim().split('\n').slice(-10).join('\n'), '```', '');
  }
  if (warnings.length > 0) {
    lines.push('> **WARNING: some requests failed; these numbers are not valid.**', '>');
    for (const w of warnings) lines.push(`> - ${w}`);
    lines.push('');
  }
  const markdown = lines.join('\n');
  console.log(markdown);
  if (warnings.length > 0) {
    console.error(
      `\n${'!'.repeat(72)}\n!!! bench: NON-2XX RESPONSES OR ERRORS — see the warnings above\n${'!'.repeat(72)}`,
    );
    process.exitCode = 1;
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, SMOKE ? 'latest-smoke.md' : 'latest.md');
  writeFileSync(file, `${markdown}\n`);
  console.error(`bench: written to ${path.relative(ROOT, file)}`);
}

try {
  await main();
} catch (error) {
  console.error(`\nbench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopAll();
  process.exitCode = 1;
}
