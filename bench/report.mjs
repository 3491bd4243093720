// The report of bench/run.mjs: one table per workload with ratios to the
// right baselines, the benchmark's goals computed from this run only, the
// chart, and the generated section of docs/benchmarks.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { throughputChart } from './chart.mjs';
import { fmtNumber, fmtPercent, fmtRatio, importOptional, markdownTable } from './lib.mjs';
import { roundRatio } from './workloads.mjs';

const ms = (v) => (v === undefined ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : fmtNumber(v));
const cpu = (v) => (v === undefined ? '–' : `${Math.round(v * 100)}%`);
const rps = (v) => (v === undefined ? '–' : fmtNumber(v, v < 100 ? 1 : 0));
const mib = (v) => (v === undefined ? '–' : `${Math.round(v)} MiB`);
const failed = (r) => r.non2xx + r.errors;
const bad = (r) => (failed(r) === 0 ? '0' : `**${failed(r)}**`);
const MB = 1e6 / 2 ** 20; // one MB (10^6 bytes) in MiB

/** A ratio cell: `row ÷ base` (see roundRatio), "1.00×" for the base itself, "–" when the base was not measured. */
function ratio(row, base) {
  if (!base || !row) return '–';
  if (row === base) return '1.00×';
  return fmtRatio(roundRatio(row, base));
}

/** One decimal, so that a value just under its target never reads as the target. */
const goalPercent = (v) => `${(v * 100).toFixed(1)}%`;

/** The same server at LOG_LEVEL=warn, where the run has one (SQLite only). */
const WARN_OF = { sqlite: 'sqliteWarn' };

const GOALS = [
  {
    name: 'protected GET ÷ SimpleJWT',
    target: '≥ 25×',
    value: (m, key) => m.ratio('profile', key, 'simplejwt'),
    met: (v) => v >= 25,
    show: fmtRatio,
  },
  {
    name: 'protected GET, LOG_LEVEL=warn ÷ bare Fastify',
    target: '≥ 75%',
    value: (m, key) => m.ratio('profile', WARN_OF[key], 'bare'),
    met: (v) => v >= 0.75,
    show: goalPercent,
  },
  {
    name: 'protected GET, LOG_LEVEL=warn ÷ Fastify + @fastify/jwt',
    target: '≥ 1.5×',
    value: (m, key) => m.ratio('profile', WARN_OF[key], 'fastifyJwt'),
    met: (v) => v >= 1.5,
    show: fmtRatio,
  },
  {
    name: 'protected GET as shipped (LOG_LEVEL=info) ÷ LOG_LEVEL=warn',
    target: '≥ 85%',
    value: (m, key) => m.ratio('profile', key, WARN_OF[key]),
    met: (v) => v >= 0.85,
    show: goalPercent,
  },
  {
    name: 'refresh ÷ SimpleJWT',
    target: '≥ 15×',
    value: (m, key) => m.ratio('refresh', key, 'simplejwt'),
    met: (v) => v >= 15,
    show: fmtRatio,
  },
  {
    name: 'refresh chains ÷ `pgbench -N`, same client count',
    target: '≥ 1.0×',
    value: (m, key) => (key === 'postgres' ? m.ratio('pgceiling', key, 'pgbench') : undefined),
    met: (v) => v >= 1,
    show: fmtRatio,
  },
  {
    name: 'login ÷ argon2id ceiling',
    target: '≥ 90%',
    value: (m, key) => {
      const row = m.find('login', key);
      return row && m.argon ? roundRatio(row, m.argon) : undefined;
    },
    met: (v) => v >= 0.9,
    show: goalPercent,
  },
  {
    name: 'protected GET p99, login storm ÷ idle, worst round',
    target: '≤ 3×',
    value: (m, key) => {
      const row = m.storm(key);
      return row ? Math.max(...(row.ratios ?? [row.storm.p99 / row.idle.p99])) : undefined;
    },
    met: (v) => v <= 3,
    show: fmtRatio,
  },
  {
    name: 'peak RSS under load: GET, verify, refresh',
    target: '≤ 150 MB',
    value: (m, key) => m.peakRss(key, STEADY),
    met: (v) => v <= 150 * MB,
    show: (v) => `${(v / MB).toFixed(0)} MB`,
  },
  {
    name: 'peak RSS under load: login, login storm',
    target: '≤ 185 MB',
    value: (m, key) => m.peakRss(key, LOGINS),
    met: (v) => v <= 185 * MB,
    show: (v) => `${(v / MB).toFixed(0)} MB`,
  },
];

const STEADY = ['profile', 'verify', 'refresh'];
const LOGINS = ['login', 'storm'];

/** Lookups over the run's rows (also for bench/verified-service.mjs). */
export function model(rows, argon) {
  const find = (workload, key) =>
    key === undefined ? undefined : rows.find((r) => r.workload === workload && r.target.key === key && !r.variant);
  return {
    argon,
    find,
    rps: (workload, key) => find(workload, key)?.rps,
    /** `key ÷ baseKey` on `workload` (see roundRatio); undefined unless both were measured. */
    ratio(workload, key, baseKey) {
      const row = find(workload, key);
      const base = find(workload, baseKey);
      return row && base ? roundRatio(row, base) : undefined;
    },
    storm: (key) => rows.find((r) => r.workload === 'storm' && r.target.key === key),
    /** The highest per-scenario peak RSS of `key` over the given workloads; undefined if none was read. */
    peakRss(key, workloads) {
      const peaks = rows
        .filter((r) => r.target.key === key && workloads.includes(r.workload) && r.rssMiB !== undefined)
        .map((r) => r.rssMiB);
      return peaks.length ? Math.max(...peaks) : undefined;
    },
  };
}

function goalsTable(m, hasPostgres) {
  const cell = (goal, key) => {
    const v = goal.value(m, key);
    return v === undefined || !Number.isFinite(v) ? undefined : v;
  };
  return markdownTable(
    ['goal', 'target', 'tessera (SQLite)', 'met', ...(hasPostgres ? ['tessera (PostgreSQL)'] : [])],
    GOALS.map((goal) => {
      const v = cell(goal, 'sqlite');
      const pg = cell(goal, 'postgres');
      return [
        goal.name,
        goal.target,
        v === undefined ? '–' : goal.show(v),
        v === undefined ? '–' : goal.met(v) ? 'yes' : '**no**',
        ...(hasPostgres ? [pg === undefined ? '–' : `${goal.show(pg)} (${goal.met(pg) ? 'yes' : 'no'})`] : []),
      ];
    }),
  );
}

/** One row per scenario of `rows` (one workload): throughput, latency, ratios to `baselines` ({ key, label }), CPU, memory. */
export function throughputTable(rows, baselines, m) {
  const head = ['server', 'req/s', 'rounds: min–max', 'p50 ms', 'p99 ms', 'non-2xx'];
  const tail = ['server CPU', 'CPU µs/req', 'other CPU', 'peak RSS'];
  return markdownTable(
    [...head, ...baselines.map((b) => `÷ ${b.label}`), ...tail],
    rows.map((r) => [
      r.name,
      rps(r.rps),
      r.rounds?.length > 1 ? `${rps(Math.min(...r.rounds))}–${rps(Math.max(...r.rounds))}` : '–',
      ms(r.p50),
      ms(r.p99),
      bad(r),
      ...baselines.map((b) => ratio(r, m.find(r.workload, b.key))),
      cpu(r.serverCpu),
      r.cpuUsPerRequest === undefined ? '–' : fmtNumber(r.cpuUsPerRequest),
      cpu(r.otherCpu),
      mib(r.rssMiB),
    ]),
  );
}

/** A latency that may be a lower bound: requests abandoned after `timeoutMs` count with their wait. */
const censored = (phase, v) => (phase.timeouts > 0 && v >= phase.timeoutMs - 1 ? `≥ ${ms(v)}` : ms(v));

function stormTable(rows) {
  return markdownTable(
    [
      'server',
      'GET/s offered',
      'idle p50 ms',
      'idle p99 ms',
      'storm p50 ms',
      'storm p99 ms',
      'p99 storm ÷ idle',
      'rounds: min–max',
      'logins/s in storm',
      'GETs abandoned',
      'non-2xx',
      'server CPU (storm)',
      'other CPU',
    ],
    rows.map((r) => [
      r.target.label,
      fmtNumber(r.rate),
      censored(r.idle, r.idle.p50),
      censored(r.idle, r.idle.p99),
      censored(r.storm, r.storm.p50),
      censored(r.storm, r.storm.p99),
      `${r.storm.timeouts > 0 ? '≥ ' : ''}${fmtRatio(r.storm.p99 / r.idle.p99)}`,
      r.ratios?.length > 1 ? `${fmtRatio(Math.min(...r.ratios))}–${fmtRatio(Math.max(...r.ratios))}` : '–',
      fmtNumber(r.logins.rps, 1),
      String(r.idle.timeouts + r.storm.timeouts),
      bad(r),
      cpu(r.storm.serverCpu),
      cpu(r.storm.otherCpu),
    ]),
  );
}

const BASELINES = {
  profile: [
    { key: 'bare', label: 'bare Fastify' },
    { key: 'fastifyJwt', label: '@fastify/jwt' },
    { key: 'simplejwt', label: 'SimpleJWT' },
  ],
  verify: [
    { key: 'fastifyJwt', label: '@fastify/jwt' },
    { key: 'simplejwt', label: 'SimpleJWT' },
  ],
  refresh: [{ key: 'simplejwt', label: 'SimpleJWT' }],
  pgceiling: [{ key: 'pgbench', label: 'pgbench -N' }],
  login: [{ key: 'simplejwt', label: 'SimpleJWT' }],
};

const SECTIONS = [
  ['profile', 'Protected GET /api/profile/ (Bearer access token)'],
  ['verify', 'POST /api/token/verify/'],
  ['refresh', 'POST /api/token/refresh/: refresh chains with rotation'],
  ['pgceiling', "Refresh chains on PostgreSQL beside PostgreSQL's own ceiling (`pgbench -N`)"],
  ['login', 'POST /api/token/: login with the right password'],
];

/**
 * Builds the whole report. `run`: { rows, argon, smoke, settingsLines,
 * skipped, machine, command }. Answers { markdown, svg, warnings }.
 */
export function buildReport(run) {
  const { rows, argon } = run;
  const m = model(rows, argon);
  const hasPostgres = rows.some((r) => r.target.key === 'postgres');

  const out = [
    `**Command:** \`${run.command}\``,
    '',
    `**Machine:** ${run.machine}`,
    '',
    ...run.settingsLines.map((l) => `- ${l}`),
    '',
  ];
  if (run.skipped.length) {
    out.push('**Not measured in this run:**', '', ...run.skipped.map((s) => `- ${s}`), '');
  }
  out.push('### Goals', '', goalsTable(m, hasPostgres), '');
  for (const [workload, title] of SECTIONS) {
    const section = rows.filter((r) => r.workload === workload);
    if (section.length === 0) continue;
    out.push(`### ${title}`, '', throughputTable(section, BASELINES[workload], m), '');
    if (workload === 'login' && argon) {
      const { memoryCost, timeCost, parallelism } = argon.params;
      const shares = rows
        .filter((r) => r.workload === 'login' && r.target.key !== 'simplejwt')
        .map((r) => `${r.target.label} ${fmtPercent(roundRatio(r, argon))}`);
      out.push(
        `argon2id verify ceiling (tessera's parameters m=${memoryCost}, t=${timeCost}, p=${parallelism}; ` +
          `${argon.parallel} in flight, no HTTP, servers idle): ${argon.rps.toFixed(1)}/s; one verify alone ` +
          `${argon.loneMs.toFixed(1)} ms; other CPU ${cpu(argon.otherCpu)}. Login ÷ ceiling: ${shares.join(', ')}.`,
        '',
      );
    }
  }
  const storms = rows.filter((r) => r.workload === 'storm');
  if (storms.length) {
    out.push('### Protected GET during a login storm', '', stormTable(storms), '');
  }
  const servers = rows.map((r) => r.target).filter((t) => !t.noServer);
  const rssRows = [...new Map(servers.map((t) => [t.key, t])).values()].map((t) => [
    t.label,
    mib(m.peakRss(t.key, STEADY)),
    mib(m.peakRss(t.key, LOGINS)),
  ]);
  out.push(
    '### Memory',
    '',
    markdownTable(['server', 'peak RSS: GET, verify, refresh', 'peak RSS: login, login storm'], rssRows),
    '',
    'Peak RSS is VmHWM, reset before each measured run, so each scenario reports its own peak. ' +
      'An argon2id verify holds 19 MiB while it runs; tessera runs at most one per core.',
    '',
  );
  if (rows.some((r) => r.target.key === 'simplejwt')) {
    out.push("SimpleJWT's is the sum over gunicorn's master and workers (shared pages counted in each).", '');
  }

  const warnings = [];
  for (const r of rows) {
    if (failed(r) > 0) {
      warnings.push(
        `${r.workload} · ${r.name ?? r.target.label}: ${r.non2xx} non-2xx, ${r.errors} errors/timeouts; ` +
          `status codes ${JSON.stringify(r.statusCodes)}` +
          (r.failures.length ? `; e.g. ${r.failures.join(' | ')}` : ''),
      );
    }
    if (r.chainBreaks > 0) warnings.push(`${r.target.label}: ${r.chainBreaks} refresh answers were not 200`);
  }
  const busy = rows.filter((r) => (r.otherCpu ?? r.storm?.otherCpu) > 0.15);
  const notes = [];
  if (busy.length || argon?.otherCpu > 0.15) {
    const names = busy.map((r) => `${r.workload} · ${r.name ?? r.target.label}`);
    if (argon?.otherCpu > 0.15) names.push('argon2id ceiling');
    notes.push(
      `Note: other processes used more than 15% of a core during ${names.join('; ')}: ` +
        'those numbers are disturbed (run again on a quiet machine).',
    );
  }
  const lagging = rows.filter((r) => r.workload === 'storm' && Math.max(r.idle.sendLagP99, r.storm.sendLagP99) > 10);
  if (lagging.length) {
    notes.push(
      `Note: the load generator itself sent requests more than 10 ms late (p99) during the login storm of ` +
        `${lagging.map((r) => r.target.label).join('; ')}: the machine starved it too, and those latencies include that.`,
    );
  }
  for (const n of notes) out.push(n, '');
  if (warnings.length) {
    out.push('> **WARNING: some requests failed; these numbers are not valid.**', '>');
    for (const w of warnings) out.push(`> - ${w}`);
    out.push('');
  }
  const svg = throughputChart({
    title: `tessera and its peers: throughput${run.smoke ? ' (SMOKE run, not meaningful)' : ''}`,
    subtitle: run.machine,
    groups: SECTIONS.map(([workload, title]) => ({
      title,
      bars: [
        ...rows
          .filter((r) => r.workload === workload)
          .map((r) => ({ label: r.name, value: r.rps, colorKey: r.variant ?? r.target.key })),
        ...(workload === 'login' && argon
          ? [{ label: 'argon2id ceiling (no HTTP)', value: argon.rps, colorKey: 'argon2' }]
          : []),
      ],
    })).filter((g) => g.bars.length > 0),
  });
  return { markdown: out.join('\n'), svg, warnings };
}

export const DOCS_START = '<!-- bench:results:start (generated by npm run bench; do not edit by hand) -->';
export const DOCS_END = '<!-- bench:results:end -->';

/** Replaces the generated section of `file` with `markdown`, formatted with the repository's Prettier. */
export async function writeDocsSection(file, markdown) {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(DOCS_START);
  const end = text.indexOf(DOCS_END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${DOCS_START} … ${DOCS_END} section`);
  let next = `${text.slice(0, start + DOCS_START.length)}\n\n${markdown.trim()}\n\n${text.slice(end)}`;
  const prettier = await importOptional('prettier');
  if (prettier) {
    const options = (await prettier.resolveConfig(file)) ?? {};
    next = await prettier.format(next, { ...options, filepath: file });
  }
  writeFileSync(file, next);
}
