// The workloads of bench/run.mjs, for any target of targets.mjs: a constant
// GET, the protected GET profile, POST verify, refresh chains, login, and the
// protected GET at a fixed rate, idle and during a login storm.
import { fmtNumber, median, outputOf, peakRssMiB, resetPeakRss, sumOf } from './lib.mjs';
import { alternatingRounds, cannon, closedLoop, cpuMeter, pacedLoad } from './measure.mjs';
import { wrkRun } from './wrk.mjs';

// A new object each time: autocannon writes `Content-Length` into the headers
// object it is given, which would then go stale for anyone sharing it.
const jsonHeaders = () => ({ 'content-type': 'application/json' });

/**
 * `settings`: { autocannon, loadGenerator, connections, seconds, warmup,
 * stormLoad, stormLogins, servers } where `servers` lists every running
 * target (their CPU is excluded from "other CPU") and `loadGenerator`
 * ('wrk' or 'autocannon', the default) drives the closed loops.
 */
export function createRunner(settings) {
  const { autocannon, connections, seconds, warmup, servers } = settings;
  const wrk = settings.loadGenerator === 'wrk';

  /** wrk or autocannon, or node:http for servers that close every connection (see closedLoop). */
  const drive = (target, url, options) => {
    if (target.closesConnections) return closedLoop(url, options);
    if (wrk) return wrkRun(url, { ...options, chain: options.chain?.() });
    return cannon(autocannon, url, options);
  };

  function assertAlive() {
    for (const s of servers) {
      if (s.record.exited) {
        throw new Error(`${s.label} died (exit ${s.record.exitCode}); its last output:\n${outputOf(s.record).trim()}`);
      }
    }
  }

  /** Closed-loop throughput of one scenario: warm-up, then the measured run. */
  async function throughput(scenario, round = '') {
    assertAlive();
    const { target } = scenario;
    process.stderr.write(`bench: ${scenario.workload} · ${scenario.name}${round} …`);
    const duration = Math.max(seconds, scenario.minSeconds ?? 0);
    const run = (d) =>
      drive(target, scenario.url, { ...scenario, connections: scenario.connections ?? connections, duration: d });
    await scenario.prepare?.();
    if (warmup > 0) {
      await run(warmup);
      await scenario.prepare?.();
    }
    resetPeakRss(target.pids());
    const meter = cpuMeter(target, servers);
    const result = await run(duration);
    const cpu = meter.stop();
    assertAlive();
    const row = { ...scenario, ...result, ...cpu, rssMiB: peakRssMiB(target.pids()), ...scenario.after?.(result) };
    process.stderr.write(` ${fmtNumber(row.rps, row.rps < 100 ? 1 : 0)} req/s\n`);
    return row;
  }

  /**
   * The protected GET at `rate` requests a second (open loop), first alone,
   * then while `stormLogins` connections log in as fast as the server lets
   * them. Both phases use the same rate and connections, so their latencies
   * compare directly.
   */
  async function storm(target, rate, round = '') {
    assertAlive();
    process.stderr.write(`bench: storm · ${target.label}${round} at ${fmtNumber(rate)} GET/s …`);
    const getAt = async () => ({
      url: target.url(target.paths.profile),
      rate,
      seconds,
      connections,
      headers: { authorization: `Bearer ${(await target.tokens()).access}` },
    });
    const settle = Math.max(warmup, 0.5);
    // Warm up first, as the storm phase below is: its first second would otherwise
    // time a cold load generator and connection set as the server's idle latency.
    await pacedLoad({ ...(await getAt()), seconds: settle });
    let meter = cpuMeter(target, servers);
    const idle = { ...(await pacedLoad(await getAt())), ...meter.stop() };
    assertAlive();

    const load = await getAt();
    resetPeakRss(target.pids());
    meter = cpuMeter(target, servers);
    const logins = drive(target, target.url(target.paths.login), {
      connections: settings.stormLogins,
      duration: settle + seconds,
      requests: [{ method: 'POST', headers: jsonHeaders(), body: JSON.stringify(target.credentials) }],
    });
    await new Promise((resolve) => setTimeout(resolve, settle * 1000));
    const during = await pacedLoad(load);
    const loginResult = await logins;
    const cpu = meter.stop();
    assertAlive();
    const row = {
      workload: 'storm',
      target,
      rate,
      idle,
      storm: { ...during, ...cpu },
      logins: loginResult,
      rssMiB: peakRssMiB(target.pids()),
      non2xx: idle.non2xx + during.non2xx + loginResult.non2xx,
      errors: idle.errors + during.errors + loginResult.errors,
      failures: [...idle.failures, ...during.failures, ...loginResult.failures],
      statusCodes: { idle: idle.statusCodes, storm: during.statusCodes, logins: loginResult.statusCodes },
    };
    process.stderr.write(
      ` p99 ${row.idle.p99?.toFixed(1)} → ${row.storm.p99?.toFixed(1)} ms ` +
        `(${fmtNumber(loginResult.rps, 1)} logins/s)\n`,
    );
    return row;
  }

  /**
   * `rounds` rounds of the same scenarios, so that the machine's drift falls
   * on all of them alike. A scenario with `measure()` is measured by it
   * instead of by autocannon. Answers one row per scenario (combineRounds).
   */
  async function inRounds(scenarios, rounds) {
    const measured = await alternatingRounds(scenarios, rounds, (scenario, label) =>
      scenario.measure ? scenario.measure(label) : throughput(scenario, label),
    );
    return measured.map(combineRounds);
  }

  /**
   * The login storm of each target in `rounds` rounds. Answers one row per
   * target: its median round by p99 storm ÷ idle, with every round's ratio in
   * `ratios` and the failures of all.
   */
  async function stormRounds(targets, rateOf, rounds) {
    const measured = await alternatingRounds(targets, rounds, (target, label) => storm(target, rateOf(target), label));
    return measured.map((rows) => {
      const ratioOf = (r) => r.storm.p99 / r.idle.p99;
      const sorted = [...rows].sort((a, b) => ratioOf(a) - ratioOf(b));
      const middle = sorted[sorted.length >> 1];
      return { ...middle, ratios: rows.map(ratioOf), ...peakAndFailures(rows) };
    });
  }

  return { throughput, storm, stormRounds, inRounds };
}

/**
 * One row for a scenario measured in rounds: the medians over its rounds of
 * throughput, latencies and CPU, the highest peak RSS, every failure;
 * `rounds` keeps each round's req/s, for ratios taken round by round
 * (roundRatio).
 */
export function combineRounds(rows) {
  const mid = (pick) => {
    const values = rows.map(pick).filter((v) => v !== undefined && Number.isFinite(v));
    return values.length ? median(values) : undefined;
  };
  const statusCodes = {};
  for (const r of rows) {
    for (const [code, n] of Object.entries(r.statusCodes ?? {})) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  }
  return {
    ...rows[0],
    rounds: rows.map((r) => r.rps),
    rps: mid((r) => r.rps),
    p50: mid((r) => r.p50),
    p99: mid((r) => r.p99),
    serverCpu: mid((r) => r.serverCpu),
    cpuUsPerRequest: mid((r) => (r.serverCpu === undefined ? undefined : (r.serverCpu * 1e6) / r.rps)),
    otherCpu: mid((r) => r.otherCpu),
    ...peakAndFailures(rows),
    statusCodes,
    ...(rows[0].chainBreaks === undefined ? {} : { chainBreaks: sumOf(rows, (r) => r.chainBreaks) }),
  };
}

/** What rounds add up to: the highest peak RSS (undefined if none was read), and every failure. */
function peakAndFailures(rows) {
  const peaks = rows.map((r) => r.rssMiB).filter((v) => v !== undefined);
  return {
    rssMiB: peaks.length ? Math.max(...peaks) : undefined,
    non2xx: sumOf(rows, (r) => r.non2xx),
    errors: sumOf(rows, (r) => r.errors),
    failures: rows.flatMap((r) => r.failures ?? []),
  };
}

/**
 * `row ÷ base`: the median of the ratios round by round when both were
 * measured in the same rounds (each pair within one round), else the ratio
 * of their req/s.
 */
export function roundRatio(row, base) {
  const a = row.rounds;
  const b = base.rounds;
  if (a && b && a.length === b.length && a.length > 1) return median(a.map((v, i) => v / b[i]));
  return row.rps / base.rps;
}

// ---------------------------------------------------------------- scenarios

/** A GET answering a constant (bare Fastify's `/`, tessera's `/healthz`). */
export function constantScenario(target, urlPath, name) {
  return { workload: 'profile', target, name, url: target.url(urlPath) };
}

/** GET /api/profile/ with a Bearer access token from a fresh login before each run. */
export function profileScenario(target, name = target.label) {
  const scenario = {
    workload: 'profile',
    target,
    name,
    url: target.url(target.paths.profile),
    async prepare() {
      const { access } = await target.tokens();
      scenario.requests = [{ method: 'GET', headers: { authorization: `Bearer ${access}` } }];
    },
  };
  return scenario;
}

/** POST /api/token/verify/ with {"token": <access>}. */
export function verifyScenario(target) {
  const scenario = {
    workload: 'verify',
    target,
    name: target.label,
    url: target.url(target.paths.verify),
    async prepare() {
      const { access } = await target.tokens();
      scenario.requests = [{ method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ token: access }) }];
    },
  };
  return scenario;
}

async function loginMany(target, count) {
  const pairs = [];
  for (let i = 0; i < count; i += 4) {
    pairs.push(...(await Promise.all(Array.from({ length: Math.min(4, count - i) }, () => target.tokens()))));
  }
  return pairs;
}

/**
 * Refresh chains: each connection owns one refresh token and replaces it with
 * the one each answer carries, so every request rotates a live token once.
 * The chains start from fresh logins before the warm-up and again before the
 * measured run (the warm-up ends with answers in flight whose tokens are
 * lost; re-sending their predecessors would be reuse). The state lives in
 * this closure, one slot per connection: autocannon resets a connection's
 * `context` whenever its request list wraps around, which for a one-request
 * list is every request.
 */
export function refreshScenario(target, connections) {
  let chains = [];
  let breaks = 0;
  return {
    workload: 'refresh',
    target,
    name: target.label,
    url: target.url(target.paths.refresh),
    async prepare() {
      chains = (await loginMany(target, connections)).map((pair) => pair.refresh);
      breaks = 0;
    },
    // wrk keeps the chains in its own threads, one per connection
    chain: () => ({ tokens: chains, field: 'refresh' }),
    connection(slot) {
      const i = slot % chains.length;
      return {
        request: () => ({ method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ refresh: chains[i] }) }),
        onResponse(status, body) {
          if (status === 200) chains[i] = JSON.parse(body).refresh;
          else breaks++;
        },
      };
    },
    after: (result) => ({ chainBreaks: result.chainBreaks ?? breaks }),
  };
}

/** POST /api/token/ with the right password. At ~1 s per login under load, measured for at least 3 s. */
export function loginScenario(target) {
  return {
    workload: 'login',
    target,
    name: target.label,
    url: target.url(target.paths.login),
    minSeconds: 3,
    // One login of our own, which queues behind the logins the warm-up left
    // in flight: when it is answered, the measured run starts on a drained server.
    prepare: () => target.tokens(),
    requests: [{ method: 'POST', headers: jsonHeaders(), body: JSON.stringify(target.credentials) }],
  };
}
