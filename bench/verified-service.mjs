// A service behind tessera (issue 19): examples/notes-api's protected GET
// through @tessera/verify next to the same route without authentication,
// and the time from a logout at tessera to its refusal at the service.
//
//   npm run bench -- service [--smoke]
//
// Everything is a child process on this machine: tessera (`tessera serve`,
// SQLite in a temp dir), the notes services (bench/notes-service.mjs) and
// autocannon in this process. Throughput rows are measured in alternating
// rounds, as bench/run.mjs measures its own; the revocation rows log in,
// check the service answers 200, log out at tessera and poll the service
// until it answers 401.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT,
  envNumber,
  fmtNumber,
  fmtPercent,
  freePort,
  isSmoke,
  machineLine,
  markdownTable,
  processTree,
  stopChild,
  startChild,
  waitUntilServing,
} from './lib.mjs';
import { cannon, percentile } from './measure.mjs';
import { model, throughputTable } from './report.mjs';
import { SECRET_KEY, TESSERA_ENV, httpLogin, runTesseraCommand, startTessera, tempDirs } from './targets.mjs';
import { createRunner, roundRatio } from './workloads.mjs';

const NOTES_PATH = '/notes/';
const LOGOUT_PATH = '/api/token/blacklist/';
const SERVICE_NAME = 'notes';
const NOTES_SCRIPT = path.join(ROOT, 'bench', 'notes-service.mjs');
const EXAMPLE_DIST = path.join(ROOT, 'examples', 'notes-api', 'dist', 'verified.js');
const GOAL = 0.8;
/** A token still accepted this long after its logout's answer counts as never refused. */
const REFUSAL_TIMEOUT_MS = 5000;

function settingsFor(smoke) {
  return {
    smoke,
    // A smoke run checks that it all works, in a few seconds: the numbers mean nothing.
    seconds: smoke ? 0.5 : envNumber('BENCH_SECONDS', 5),
    warmup: smoke ? 0.25 : envNumber('BENCH_WARMUP', 1, true),
    startWarmup: smoke ? 0 : 3,
    rounds: smoke ? 1 : Math.round(envNumber('BENCH_ROUNDS', 3)),
    connections: Math.round(envNumber('BENCH_CONNECTIONS', 32)),
    revocations: smoke ? 5 : Math.round(envNumber('BENCH_REVOCATIONS', 100)),
    pollMs: envNumber('BENCH_POLL_MS', 2),
    // Logouts at random phases of tessera's 250 ms timers: back to back, a loop of a login and a logout
    // locks onto them, and every delay comes out alike.
    jitterMs: envNumber('BENCH_REVOCATION_JITTER_MS', 250, true),
    redisUrl: process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
  };
}

// ---------------------------------------------------------------- processes

/** `tessera serve` with `algorithm`; with `createService`, also the bench user and the notes service (its secret). */
async function startTesseraFor({ key, label, databaseUrl, algorithm, redisUrl, first }) {
  const env = { TESSERA_SIGNING_ALGORITHM: algorithm, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) };
  const tessera = await startTessera({ key, label, databaseUrl, env, createUser: first === true });
  if (first) {
    const output = await runTesseraCommand(['services', 'create', SERVICE_NAME], {
      ...TESSERA_ENV,
      ...env,
      DATABASE_URL: databaseUrl,
    });
    tessera.serviceSecret = output.trim().split('\n').pop().trim();
    if (!tessera.serviceSecret.startsWith('tsvc_')) {
      throw new Error(`\`tessera services create\` printed no secret on its last line:\n${output}`);
    }
  }
  return tessera;
}

/** A notes service (bench/notes-service.mjs) following `tessera`, or the bare route (`mode: 'bare'`). */
async function startNotes({ key, label, mode, tessera, service, sharedSecret }) {
  const port = await freePort();
  const record = startChild(label, [NOTES_SCRIPT], {
    PORT: String(port),
    HOST: '127.0.0.1',
    BENCH_NOTES_MODE: mode,
    ...(mode === 'verified'
      ? {
          TESSERA_URL: `${tessera.base}/`,
          TESSERA_SERVICE_NAME: SERVICE_NAME,
          TESSERA_SERVICE_SECRET: service.serviceSecret,
          ...(sharedSecret ? { BENCH_NOTES_SECRET: sharedSecret } : {}),
        }
      : {}),
  });
  const base = `http://127.0.0.1:${port}`;
  const target = { key, label, record, base, url: (p) => `${base}${p}`, pids: () => processTree(record.child.pid) };
  await waitUntilServing(record, target.url(NOTES_PATH), { anyStatus: true });
  return target;
}

/** GET /notes/ with a Bearer token from a fresh login at `tessera` before each run (the bare route ignores it). */
function notesScenario(target, tessera) {
  const scenario = {
    workload: 'service',
    target,
    name: target.label,
    url: target.url(NOTES_PATH),
    async prepare() {
      const { access } = await httpLogin(tessera);
      scenario.requests = [{ method: 'GET', headers: { authorization: `Bearer ${access}` } }];
    },
  };
  return scenario;
}

/** Whether something answers PING at `url` within a second. */
function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
  });
}

// ---------------------------------------------------------------- revocation latency

function send(agent, url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers, timeout: 10_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `count` times: log in at `tessera`, check that `notes` answers 200 for the
 * access token, wait a random time below `jitterMs`, log out at `tessera`
 * and poll `notes` every `pollMs` until it
 * answers 401. Answers the delays from the logout's answer and from its
 * request to the first 401's answer, in ms, and what went wrong.
 */
async function revocationLatency({ name, tessera, notes, count, pollMs, jitterMs }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const fromAnswer = [];
  const fromRequest = [];
  const roundTrips = [];
  const failures = [];
  let polls = 0;
  process.stderr.write(`bench: revocation · ${name} …`);
  try {
    for (let i = 0; i < count; i++) {
      const { access, refresh } = await httpLogin(tessera);
      const bearer = { authorization: `Bearer ${access}` };
      const sentBefore = performance.now();
      const before = await send(agent, notes.url(NOTES_PATH), { headers: bearer });
      roundTrips.push(performance.now() - sentBefore);
      if (before.status !== 200) {
        failures.push(`a fresh token answered ${before.status} ${before.body.slice(0, 200)}`);
        continue;
      }
      await sleep(Math.random() * jitterMs);
      const requested = performance.now();
      const logout = await send(agent, tessera.url(LOGOUT_PATH), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh }),
      });
      const answered = performance.now();
      if (logout.status !== 200) {
        failures.push(`the logout answered ${logout.status} ${logout.body.slice(0, 200)}`);
        continue;
      }
      for (;;) {
        const sent = performance.now();
        const answer = await send(agent, notes.url(NOTES_PATH), { headers: bearer });
        const now = performance.now();
        polls++;
        if (answer.status === 401 && answer.body.includes('token_not_valid')) {
          fromAnswer.push(now - answered);
          fromRequest.push(now - requested);
          break;
        }
        if (answer.status !== 200) failures.push(`a poll answered ${answer.status} ${answer.body.slice(0, 200)}`);
        if (now - answered > REFUSAL_TIMEOUT_MS) {
          failures.push(`still accepted ${REFUSAL_TIMEOUT_MS} ms after the logout`);
          break;
        }
        await sleep(Math.max(0, sent + pollMs - performance.now()));
      }
    }
  } finally {
    agent.destroy();
  }
  fromAnswer.sort((a, b) => a - b);
  fromRequest.sort((a, b) => a - b);
  roundTrips.sort((a, b) => a - b);
  process.stderr.write(
    ` p50 ${percentile(fromAnswer, 50)?.toFixed(1)} ms, p99 ${percentile(fromAnswer, 99)?.toFixed(1)} ms\n`,
  );
  return { name, count, fromAnswer, fromRequest, roundTrips, polls, failures };
}

// ---------------------------------------------------------------- the run

/**
 * Runs the service rows and answers { markdown, warnings }: warnings list
 * failed requests (the numbers then measure the wrong thing). Starts and
 * stops its own processes; the caller's cleanUpOnExit covers a crash.
 */
export async function runServiceBench({ autocannon, smoke = isSmoke() }) {
  if (!existsSync(EXAMPLE_DIST)) {
    throw new Error(`${path.relative(ROOT, EXAMPLE_DIST)} is missing: run \`npm run build\` first`);
  }
  const s = settingsFor(smoke);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-service-'));
  tempDirs.add(tmp);
  const running = [];
  const stopAll = async () => {
    await Promise.all(running.splice(0).map((t) => stopChild(t.record)));
  };
  const skipped = [];
  try {
    const eddsaDb = `sqlite:${path.join(tmp, 'eddsa.sqlite')}`;
    const start = async (promise) => {
      const target = await promise;
      running.push(target);
      return target;
    };
    const eddsa = await start(
      startTesseraFor({
        key: 'eddsa',
        label: 'tessera (EdDSA)',
        databaseUrl: eddsaDb,
        algorithm: 'EdDSA',
        first: true,
      }),
    );
    const hs256 = smoke
      ? undefined
      : await start(
          startTesseraFor({
            key: 'hs256',
            label: 'tessera (HS256)',
            databaseUrl: `sqlite:${path.join(tmp, 'hs256.sqlite')}`,
            algorithm: 'HS256',
            first: true,
          }),
        );
    if (smoke) skipped.push('HS256 (shared secret), two instances, Redis: not in a smoke run');
    const second = smoke
      ? undefined
      : await start(
          startTesseraFor({ key: 'eddsa2', label: 'tessera (EdDSA, 2nd)', databaseUrl: eddsaDb, algorithm: 'EdDSA' }),
        );

    // Each measured service starts and warms up alone, as bench/run.mjs's servers do.
    const scenarios = [];
    const runner = createRunner({ autocannon, ...s, servers: running });
    const measured = async (options, tessera) => {
      const target = await start(startNotes(options));
      const scenario = notesScenario(target, tessera);
      await scenario.prepare();
      if (s.startWarmup > 0) {
        process.stderr.write(`bench: warming up ${target.label} alone for ${s.startWarmup} s\n`);
        await cannon(autocannon, scenario.url, { ...scenario, connections: s.connections, duration: s.startWarmup });
      }
      scenarios.push(scenario);
      return target;
    };
    await measured({ key: 'bare', label: 'the same route without authentication', mode: 'bare' }, eddsa);
    if (!smoke) {
      await measured(
        { key: 'trusted', label: "the example's routes, a fixed user, no token read", mode: 'trusted' },
        eddsa,
      );
    }
    const verified = await measured(
      {
        key: 'verified',
        label: 'notes-api + @tessera/verify (EdDSA)',
        mode: 'verified',
        tessera: eddsa,
        service: eddsa,
      },
      eddsa,
    );
    if (hs256) {
      await measured(
        {
          key: 'verifiedHs256',
          label: 'notes-api + @tessera/verify (HS256, shared secret)',
          mode: 'verified',
          tessera: hs256,
          service: hs256,
          sharedSecret: SECRET_KEY,
        },
        hs256,
      );
    }
    process.stderr.write(
      `bench: service ${smoke ? 'SMOKE run (numbers are not meaningful)' : 'run'}: ${s.rounds} round(s) of ` +
        `${s.seconds} s after ${s.warmup} s warm-up, ${s.connections} connections\n`,
    );
    const rows = await runner.inRounds(scenarios, s.rounds);

    const revocations = [];
    const latency = (name, notes, tessera = eddsa) =>
      revocationLatency({ name, tessera, notes, count: s.revocations, pollMs: s.pollMs, jitterMs: s.jitterMs });
    revocations.push(await latency('one instance: logout and feed at the same tessera', verified));
    if (second) {
      const follower = await start(
        startNotes({
          key: 'follower',
          label: 'notes (2nd instance)',
          mode: 'verified',
          tessera: second,
          service: eddsa,
        }),
      );
      revocations.push(await latency('two instances, no Redis: logout at one, feed from the other', follower));
      // Again with Redis: both instances restarted on the same database with REDIS_URL.
      if (await redisAnswers(s.redisUrl)) {
        await stopAll();
        const env = { databaseUrl: eddsaDb, algorithm: 'EdDSA', redisUrl: s.redisUrl };
        const one = await start(startTesseraFor({ key: 'redis1', label: 'tessera (EdDSA, Redis)', ...env }));
        const two = await start(startTesseraFor({ key: 'redis2', label: 'tessera (EdDSA, Redis, 2nd)', ...env }));
        const notes = await start(
          startNotes({ key: 'redisFollower', label: 'notes (Redis)', mode: 'verified', tessera: two, service: eddsa }),
        );
        revocations.push(await latency('two instances, Redis: logout at one, feed from the other', notes, one));
      } else {
        skipped.push(`two instances with Redis: nothing answers PING at ${s.redisUrl} (BENCH_REDIS_URL)`);
      }
    }
    await stopAll();
    return report({ s, rows, revocations, skipped, verifiedKey: verified.key });
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
    tempDirs.delete(tmp);
  }
}

// ---------------------------------------------------------------- the report

const ms = (v) => (v === undefined ? '–' : v < 10 ? v.toFixed(1) : fmtNumber(v));

function report({ s, rows, revocations, skipped, verifiedKey }) {
  const m = model(rows);
  const bare = m.find('service', 'bare');
  const verified = m.find('service', verifiedKey);
  const share = roundRatio(verified, bare);
  const trusted = m.find('service', 'trusted');
  const cpuOver = (row, base) =>
    row.cpuUsPerRequest === undefined || base?.cpuUsPerRequest === undefined
      ? undefined
      : `${row.name} ${fmtNumber(row.cpuUsPerRequest - base.cpuUsPerRequest)} µs`;
  const overBare = rows.filter((r) => r !== bare).map((r) => cpuOver(r, bare));
  const overTrusted = rows.filter((r) => r.target.key.startsWith('verified')).map((r) => cpuOver(r, trusted));
  const costs = [
    `Server CPU per request over the route without authentication (CPU µs/req, less its): ${overBare.filter(Boolean).join(', ')}.`,
    ...(trusted ? [`Over the example's routes with a fixed user: ${overTrusted.filter(Boolean).join(', ')}.`] : []),
  ];
  const warnings = [];
  for (const r of rows) {
    if (r.non2xx + r.errors > 0) {
      warnings.push(
        `${r.name}: ${r.non2xx} non-2xx, ${r.errors} errors/timeouts; status codes ${JSON.stringify(r.statusCodes)}` +
          (r.failures.length ? `; e.g. ${r.failures.join(' | ')}` : ''),
      );
    }
  }
  for (const r of revocations) {
    if (r.failures.length)
      warnings.push(`revocation · ${r.name}: ${r.failures.length} failure(s), e.g. ${r.failures[0]}`);
  }
  const p99Worst = Math.max(...revocations.map((r) => percentile(r.fromAnswer, 99) ?? Infinity));
  const out = [
    `### A service behind tessera: examples/notes-api through @tessera/verify${s.smoke ? ' (SMOKE: not meaningful)' : ''}`,
    '',
    `**Machine:** ${machineLine()}`,
    '',
    `- autocannon in the bench's process, ${s.connections} keep-alive connections, no pipelining; tessera, the ` +
      'services and the load generator share the machine, over loopback. Server CPU and CPU µs/req are the ' +
      "service's process alone; other CPU is everything but the bench, tessera and the services.",
    `- ${s.rounds} round(s), in reverse order every other round, each row ${s.seconds} s after a ${s.warmup} s ` +
      'warm-up, each service warmed up alone once after it started; medians over the rounds, ratios round by round.',
    '- tessera: the built server, SQLite in a temp dir, `TESSERA_SIGNING_ALGORITHM=EdDSA` (the HS256 row: a ' +
      'second tessera with the default HS256), `LOG_LEVEL=warn`, rate limits off, `TESSERA_REVOCATION_POLL_MS` ' +
      'at its default (250 ms).',
    "- notes-api + @tessera/verify: `examples/notes-api`'s `buildVerified(options, false)` (its request log off), " +
      '`GET /notes/` for a user without notes, so `[]`; each run sends one access token from a fresh login, as a ' +
      "client does for minutes: the verifier's cache of verified signatures answers, and the revocation check " +
      'and the claims run on every request. The same route without authentication: the same Fastify, `GET ' +
      "/notes/` answering `[]`, no preHandler. The example's routes with a fixed user: `registerNotes` with an " +
      '`authenticate` that sets a constant user without reading the token (what the example costs besides ' +
      'verification).',
    `- Revocation: ${s.revocations} times, log in at tessera, check the service answers 200, wait a random ` +
      `0–${s.jitterMs} ms (so that logouts fall at random phases of tessera's timers), log out ` +
      '(`POST /api/token/blacklist/`), poll the service with the access token every ' +
      `${s.pollMs} ms until it answers 401; the delay runs to the first 401's answer, from the logout's answer ` +
      'and from its request. A 401 already waiting shows as one round trip: the `one GET` column, the 200 ' +
      'answered to the same token just before its logout.' +
      (s.revocations < 100 ? ` With fewer than 100 logouts, p99 is the maximum.` : ''),
    '',
  ];
  if (skipped.length) out.push('**Not measured in this run:**', '', ...skipped.map((l) => `- ${l}`), '');
  out.push(
    markdownTable(
      ['goal', 'target', 'measured', 'met'],
      [
        [
          'protected GET through @tessera/verify (EdDSA) ÷ without authentication',
          `≥ ${fmtPercent(GOAL)}`,
          `${(share * 100).toFixed(1)}%`,
          share >= GOAL ? 'yes' : '**no**',
        ],
        [
          'logout at tessera → 401 at the service, p99 (worst scenario)',
          '≤ 1 s (README)',
          `${ms(p99Worst)} ms`,
          p99Worst <= 1000 ? 'yes' : '**no**',
        ],
      ],
    ),
    '',
    '#### GET /notes/ through @tessera/verify, next to the same route without authentication',
    '',
    throughputTable(
      rows,
      [{ key: 'bare', label: 'without authentication' }, ...(trusted ? [{ key: 'trusted', label: 'fixed user' }] : [])],
      m,
    ),
    '',
    costs.join(' '),
    '',
  );
  const busy = rows.filter((r) => r.otherCpu > 0.15);
  if (busy.length) {
    out.push(
      `Note: other processes used more than 15% of a core during ${busy.map((r) => r.name).join('; ')}: ` +
        'those numbers are disturbed (run again on a quiet machine).',
      '',
    );
  }
  out.push(
    '#### From a logout at tessera to its refusal at the service',
    '',
    markdownTable(
      [
        'scenario',
        'logouts',
        'after its answer: p50 ms',
        'p99 ms',
        'max ms',
        'after its request: p50 ms',
        'p99 ms',
        'max ms',
        'polls',
        'one GET p50 ms',
        'failures',
      ],
      revocations.map((r) => [
        r.name,
        String(r.fromAnswer.length),
        ms(percentile(r.fromAnswer, 50)),
        ms(percentile(r.fromAnswer, 99)),
        ms(r.fromAnswer.at(-1)),
        ms(percentile(r.fromRequest, 50)),
        ms(percentile(r.fromRequest, 99)),
        ms(r.fromRequest.at(-1)),
        fmtNumber(r.polls),
        ms(percentile(r.roundTrips, 50)),
        r.failures.length ? `**${r.failures.length}**` : '0',
      ]),
    ),
    '',
  );
  if (warnings.length) {
    out.push('> **WARNING: some requests failed; these numbers are not valid.**', '>');
    for (const w of warnings) out.push(`> - ${w}`);
    out.push('');
  }
  return { markdown: out.join('\n'), warnings };
}
