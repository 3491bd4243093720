// `node bench/scale.mjs`: do tessera's refresh and profile hold up on a big
// PostgreSQL database? Seeds 1,000,000 users and 5,000,000 refresh-token rows
// (with their sessions) into a fresh database and measures both workloads
// there and on a fresh database holding only the bench users, in alternating
// rounds. The goal is big ÷ empty ≥ 0.80×; results in docs/benchmarks.md.
// Then the admin API's user list on the big database, as a staff member:
// the first page, the 1000th, a filter's deep page, a common prefix and rare
// terms (issue 22), with PostgreSQL's plan for the searches.
//
//   npm run build && node bench/scale.mjs     1M users, 5M tokens, 3 rounds of 10 s
//   node bench/scale.mjs --quick              100k users, 500k tokens, 1 round of 3 s
//   node bench/scale.mjs --admin-only         the admin list alone (no refresh/profile, no empty database)
//
// Environment: SCALE_USERS, SCALE_TOKENS, SCALE_SECONDS, SCALE_WARMUP (2; 1
// with --quick), SCALE_ROUNDS (3; 1 with --quick), BENCH_CONNECTIONS (32),
// BENCH_PG_URL (an admin URL, default postgres://postgres@127.0.0.1:5432/postgres).
// A benchmark, not a test: it exits 1 only when a request failed or the run
// broke. Its databases are dropped however the run ends.
import {
  envNumber,
  fmtNumber,
  fmtRatio,
  importFromServer,
  machineLine,
  markdownTable,
  requireBuild,
  stopChild,
} from './lib.mjs';
import { cannon } from './measure.mjs';
import {
  PG_ADMIN_URL,
  cleanUpOnExit,
  createPgDatabase,
  httpLogin,
  runTesseraCommand,
  startTessera,
  stopEverything,
} from './targets.mjs';
import { createRunner, profileScenario, refreshScenario, roundRatio } from './workloads.mjs';

requireBuild();
cleanUpOnExit('scale');
const autocannon = (await import('autocannon')).default;
const pg = (await importFromServer('pg')).default;
const { ARGON2ID_PARAMETERS } = await import('@tessera/server');

const QUICK = process.argv.includes('--quick');
const ADMIN_ONLY = process.argv.includes('--admin-only');
const USERS = Math.round(envNumber('SCALE_USERS', QUICK ? 100_000 : 1_000_000));
const TOKENS = Math.round(envNumber('SCALE_TOKENS', QUICK ? 500_000 : 5_000_000));
const SECONDS = envNumber('SCALE_SECONDS', QUICK ? 3 : 10);
const WARMUP = envNumber('SCALE_WARMUP', QUICK ? 1 : 2, true);
const ROUNDS = Math.round(envNumber('SCALE_ROUNDS', QUICK ? 1 : 3));
const CONNECTIONS = Math.round(envNumber('BENCH_CONNECTIONS', 32));
/** Bench users: refresh logs in one per connection before the warm-up and again before the measured run. */
const BENCH_USERS = 2 * CONNECTIONS;
const PASSWORD = 'scale-bench-password-not-a-secret';
const DAY_MS = 86_400_000;
/** Lifetime of the seeded refresh tokens: tessera's default, one day. */
const REFRESH_TTL_MS = DAY_MS;

if (BENCH_USERS > USERS) {
  console.error(`scale: SCALE_USERS=${USERS} must be at least ${BENCH_USERS} (2 × BENCH_CONNECTIONS)`);
  process.exit(2);
}
const log = (line) => process.stderr.write(`scale: ${line}\n`);

// ---------------------------------------------------------------- seeding

/** Bench user ids, spread over the id range so that their rows sit all over the indexes. */
const benchUserIds = Array.from({ length: BENCH_USERS }, (_, k) => 1 + Math.floor((k * USERS) / BENCH_USERS) + (k % 7));

/**
 * Users over the ids `from`: one shared argon2id hash ($1), usernames
 * user<i>, 2% inactive except the bench users ($3), some staff.
 */
const USER_COLUMNS =
  'id, username, password, email, first_name, last_name, is_active, is_staff, is_superuser, last_login, date_joined, role, permissions';
const userInsert = (from) => `
  INSERT INTO users (${USER_COLUMNS})
  SELECT i, 'user' || i, $1::text, 'user' || i || '@example.com',
         'First' || (i % 1000), 'Last' || (i % 997),
         CASE WHEN i = ANY($3::int[]) THEN 1 WHEN i % 50 = 7 THEN 0 ELSE 1 END,
         (i % 200 = 0)::int, (i % 100000 = 0)::int,
         CASE WHEN i % 5 = 0 THEN NULL ELSE $2::bigint - (abs(hashint8extended(i, 1)) % (180 * ${DAY_MS}::bigint)) END,
         $2::bigint - 180 * ${DAY_MS}::bigint - (abs(hashint8extended(i, 2)) % (1000 * ${DAY_MS}::bigint)),
         (ARRAY['viewer','viewer','viewer','editor','admin'])[1 + (i % 5)],
         CASE WHEN i % 5 = 3 THEN '["articles.change","articles.view"]' ELSE '[]' END
  FROM ${from}`;

async function withDb(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function timed(label, timings, fn) {
  const start = performance.now();
  const result = await fn();
  timings.push(`${label} ${((performance.now() - start) / 1000).toFixed(1)} s`);
  log(`  ${timings.at(-1)}`);
  return result;
}

/** A fresh database migrated by `tessera migrate`, with the bench users; answers its URL. */
async function createDatabase(kind, passwordHash, now) {
  const { url } = await createPgDatabase(`tessera_scale_${process.pid}_${kind}`);
  await runTesseraCommand(['migrate'], { DATABASE_URL: url, LOG_LEVEL: 'warn' });
  if (kind === 'empty') {
    await withDb(url, async (c) => {
      await c.query(userInsert('unnest($3::int[]) AS i'), [passwordHash, now, benchUserIds]);
      await c.query(`SELECT setval('users_id_seq', (SELECT max(id) FROM users))`);
      await c.query('VACUUM ANALYZE');
    });
  }
  return url;
}

/**
 * Fills the big database in PostgreSQL itself (INSERT … SELECT FROM
 * generate_series). Sessions: 95% with 1–10 tokens, 5% long-lived with
 * 11–60, cumulated so that exactly TOKENS rows result; 10% revoked. Every
 * token but a session's last is used; most sessions are weeks old, so most
 * tokens have expired, as in a database that was never pruned.
 */
async function seedBig(url, passwordHash, now) {
  const timings = [];
  const start = performance.now();
  await withDb(url, async (c) => {
    await c.query("SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'");
    await timed(`users (${fmtNumber(USERS)})`, timings, async () => {
      for (let a = 1; a <= USERS; a += 250_000) {
        const b = Math.min(USERS, a + 250_000 - 1);
        await c.query(userInsert(`generate_series(${a}, ${b}) AS i`), [passwordHash, now, benchUserIds]);
      }
      await c.query(`SELECT setval('users_id_seq', (SELECT max(id) FROM users))`);
    });
    // Mean tokens per session: 0.95 × 5.5 + 0.05 × 35.5 = 7; 10% headroom, trimmed below.
    const maxSessions = Math.ceil((TOKENS / 7) * 1.1) + 100;
    const plan = await timed('session plan', timings, async () => {
      await c.query(
        `CREATE UNLOGGED TABLE scale_plan AS
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
      return (await c.query('SELECT count(*)::int AS n, max(s)::int AS last FROM scale_plan')).rows[0];
    });
    const inBatches = async (sql) => {
      for (let a = 1; a <= plan.last; a += 100_000) await c.query(sql, [a, a + 100_000 - 1]);
    };
    await timed(`sessions (${fmtNumber(plan.n)})`, timings, () =>
      inBatches(
        `INSERT INTO sessions (id, user_id, created_at, last_used_at, revoked_at, revoke_reason, ip, user_agent)
         SELECT md5('s' || s), user_id, created_at, created_at + (ntok - 1) * step,
                CASE WHEN revoked THEN created_at + (ntok - 1) * step + 60000 END,
                CASE WHEN revoked THEN (ARRAY['logout','logout','logout','revoke_all','password_changed','admin'])[1 + s % 6] END,
                '10.' || (s % 256) || '.' || (s / 256 % 256) || '.' || (s / 65536 % 256),
                'Mozilla/5.0 (X11; Linux x86_64) seed/' || (s % 50)
         FROM scale_plan WHERE s BETWEEN $1 AND $2`,
      ),
    );
    await timed(`refresh tokens (${fmtNumber(TOKENS)})`, timings, () =>
      inBatches(
        `INSERT INTO refresh_tokens (jti, session_id, parent_jti, issued_at, expires_at, used_at)
         SELECT md5('t' || (first_token + k)), md5('s' || s),
                CASE WHEN k > 0 THEN md5('t' || (first_token + k - 1)) END,
                created_at + k * step, created_at + k * step + ${REFRESH_TTL_MS},
                CASE WHEN k < ntok - 1 THEN created_at + (k + 1) * step END
         FROM scale_plan CROSS JOIN LATERAL generate_series(0, ntok - 1) AS k
         WHERE s BETWEEN $1 AND $2`,
      ),
    );
    await c.query('DROP TABLE scale_plan');
    await timed('VACUUM ANALYZE + CHECKPOINT', timings, async () => {
      await c.query('VACUUM ANALYZE');
      await c.query('CHECKPOINT');
    });
  });
  return `${((performance.now() - start) / 1000).toFixed(1)} s (${timings.join('; ')})`;
}

/** Row counts and size, for the report. */
async function describeDb(url) {
  return withDb(url, async (c) => {
    const { rows } = await c.query(
      `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM sessions) AS sessions,
              (SELECT count(*) FROM refresh_tokens) AS tokens, pg_database_size(current_database()) AS bytes,
              current_setting('server_version') AS version, current_setting('shared_buffers') AS buffers`,
    );
    const r = rows[0];
    return {
      ...r,
      users: Number(r.users),
      sessions: Number(r.sessions),
      tokens: Number(r.tokens),
      bytes: Number(r.bytes),
    };
  });
}

// ---------------------------------------------------------------- measuring

/** Page size of the admin list rows: the API's default. */
const ADMIN_PAGE_SIZE = 50;

/**
 * `GET /api/admin/users/?query` as a staff member: the first bench user,
 * made staff in the database (staff status is no part of the other workloads).
 */
function adminListScenario(target, name, query) {
  const scenario = {
    workload: 'admin list',
    target,
    name,
    url: target.url(`/api/admin/users/?${query}`),
    async prepare() {
      const { access } = await httpLogin({
        ...target,
        credentials: { username: `user${benchUserIds[0]}`, password: PASSWORD },
      });
      scenario.requests = [{ method: 'GET', headers: { authorization: `Bearer ${access}` } }];
    },
  };
  return scenario;
}

/**
 * The admin list's rows on the big database: ids are contiguous from 1, so
 * `after=49950` is exactly the 1000th page; every 50th user is inactive, so
 * the inactive filter's page N starts after id 50 × 50 × (N − 1), deep in its index.
 */
function adminScenarios(big) {
  const size = `page_size=${ADMIN_PAGE_SIZE}`;
  const inactivePage = Math.max(1, Math.min(100, Math.floor(USERS / 50 / ADMIN_PAGE_SIZE)));
  const inactiveAfter = 50 * ADMIN_PAGE_SIZE * (inactivePage - 1);
  return [
    adminListScenario(big, 'first page', size),
    adminListScenario(big, 'page 1000', `${size}&after=${999 * ADMIN_PAGE_SIZE}`),
    adminListScenario(big, `inactive, page ${inactivePage}`, `${size}&is_active=false&after=${inactiveAfter}`),
    ...SEARCHES.map(([name, term]) => adminListScenario(big, `search "${term}" (${name})`, `${size}&search=${term}`)),
  ];
}

/**
 * The searches measured: a common prefix (most users match: the page fills
 * at once along the primary key), a term a few hundred users match, one
 * user at the table's far end, and a term nobody matches. The last two read
 * every row unless an index finds them (pg_trgm, migration 0010).
 */
const SEARCHES = [
  ['common prefix', 'user1'],
  ['some hundreds', 'user4242'],
  ['one user, last ids', `user${USERS - 3}`],
  ['no match', 'zebra'],
];

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the admin list's queries for `term`, written
 * as store/user-admin.ts writes them (userPageQuery, userCountQuery) with the
 * term as a parameter: the page's plan, and for the page and the count the
 * pages of 8 KiB read (hit + read, which load on the machine does not change)
 * and the time, with the trigram indexes and without them (dropped in a
 * transaction that is rolled back).
 */
async function explainSearch(url, term) {
  const like = (column) => `lower(${column}) like $1 escape '\\'`;
  const where = ['username', 'email', 'first_name', 'last_name'].map(like).join(' or ');
  const page = `select * from users where (${where}) order by id asc limit ${ADMIN_PAGE_SIZE + 1}`;
  const count = `select count(*) from (select id from users where (${where}) limit 10001) as matches`;
  const explain = async (c, query) => {
    const { rows } = await c.query(`explain (analyze, buffers, costs off, timing off, format json) ${query}`, [
      `%${term}%`,
    ]);
    const [{ Plan: plan, 'Execution Time': ms }] = rows[0]['QUERY PLAN'];
    return { plan, pages: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'], ms };
  };
  return withDb(url, async (c) => {
    const indexed = { page: await explain(c, page), count: await explain(c, count) };
    await c.query('BEGIN');
    try {
      const { rows } = await c.query(
        `SELECT indexname FROM pg_indexes WHERE tablename = 'users' AND indexname LIKE '%_trgm'`,
      );
      for (const { indexname } of rows) await c.query(`DROP INDEX ${indexname}`);
      const unindexed = { page: await explain(c, page), count: await explain(c, count) };
      return { indexed, unindexed, trigramIndexes: rows.length };
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

/** A plan as indented lines: each node's type, index and relation. */
function planLines(node, depth = 0) {
  const what = [
    node['Node Type'],
    node['Index Name'] && `using ${node['Index Name']}`,
    node['Relation Name'] && `on ${node['Relation Name']}`,
  ];
  return [
    `${'  '.repeat(depth)}${what.filter(Boolean).join(' ')} (rows ${node['Actual Rows']}, pages ${node['Shared Hit Blocks'] + node['Shared Read Blocks']})`,
    ...(node.Plans ?? []).flatMap((child) => planLines(child, depth + 1)),
  ];
}

/**
 * tessera on `url`, logging in as the bench users in turn. Prunes nothing
 * (the big database stays as seeded) and issues access tokens that cannot
 * expire during a long run.
 */
async function startServer(kind, url) {
  const target = await startTessera({
    key: kind,
    label: `tessera (${kind} database)`,
    databaseUrl: url,
    createUser: false,
    env: { TESSERA_PRUNE_INTERVAL: '0', TESSERA_ACCESS_TOKEN_LIFETIME: '3600' },
  });
  let next = 0;
  target.tokens = () =>
    httpLogin({
      ...target,
      credentials: { username: `user${benchUserIds[next++ % BENCH_USERS]}`, password: PASSWORD },
    });
  // Serves alone first: a server starved of CPU in its first seconds stays slower (docs/benchmarks.md).
  const warm = profileScenario(target);
  await warm.prepare();
  await cannon(autocannon, warm.url, { ...warm, connections: CONNECTIONS, duration: 3 });
  return target;
}

async function main() {
  const now = Date.now();
  const { hash } = await importFromServer('@node-rs/argon2');
  const passwordHash = await hash(PASSWORD, ARGON2ID_PARAMETERS);
  log(`${QUICK ? 'QUICK' : 'full'} run: ${fmtNumber(USERS)} users, ${fmtNumber(TOKENS)} refresh tokens`);
  const urls = {
    empty: await createDatabase('empty', passwordHash, now),
    big: await createDatabase('big', passwordHash, now),
  };
  log('seeding the big database …');
  const seeding = await seedBig(urls.big, passwordHash, now);
  const shape = { empty: await describeDb(urls.empty), big: await describeDb(urls.big) };

  await withDb(urls.big, (c) => c.query('UPDATE users SET is_staff = 1 WHERE id = $1', [benchUserIds[0]]));
  const plans = [];
  for (const [name, term] of SEARCHES) plans.push([`${name}: "${term}"`, await explainSearch(urls.big, term)]);
  log(
    `search plans: ${plans.map(([name, p]) => `${name} ${p.indexed.page.pages}/${p.unindexed.page.pages} pages`).join('; ')}`,
  );
  const servers = ADMIN_ONLY
    ? [await startServer('big', urls.big)]
    : [await startServer('empty', urls.empty), await startServer('big', urls.big)];
  const big = servers.at(-1);
  const runner = createRunner({ autocannon, connections: CONNECTIONS, seconds: SECONDS, warmup: WARMUP, servers });
  let rows = {};
  if (!ADMIN_ONLY) {
    const refresh = await runner.inRounds(
      servers.map((s) => refreshScenario(s, CONNECTIONS)),
      ROUNDS,
    );
    const profile = await runner.inRounds(
      servers.map((s) => profileScenario(s)),
      ROUNDS,
    );
    rows = { refresh, profile };
  }
  const admin = await runner.inRounds(adminScenarios(big), ROUNDS);
  await Promise.all(servers.map((s) => stopChild(s.record)));

  const tokensAfter = (await describeDb(urls.big)).tokens;
  if (tokensAfter < shape.big.tokens) throw new Error(`refresh tokens went from ${shape.big.tokens} to ${tokensAfter}`);
  report({ shape, seeding, rows, admin, plans });
}

function report({ shape, seeding, rows, admin, plans }) {
  const ms = (v) => (v === undefined ? '–' : v < 10 ? v.toFixed(2) : fmtNumber(v, v < 100 ? 1 : 0));
  const cpu = (v) => (v === undefined ? '–' : `${Math.round(v * 100)}%`);
  /** req/s, each round's, p50, p99, and both CPU shares of a row. */
  const measured = (r) => [
    fmtNumber(r.rps),
    r.rounds.map((v) => fmtNumber(v)).join(', '),
    ms(r.p50),
    ms(r.p99),
    cpu(r.serverCpu),
    cpu(r.otherCpu),
  ];
  const ratios = Object.fromEntries(Object.entries(rows).map(([w, [empty, big]]) => [w, roundRatio(big, empty)]));
  const table = markdownTable(
    ['workload', 'database', 'rows', 'req/s', 'rounds', 'p50 ms', 'p99 ms', 'tessera CPU', 'other CPU', 'big ÷ empty'],
    Object.entries(rows).flatMap(([workload, pair]) =>
      pair.map((r, i) => {
        const s = shape[r.target.key];
        return [
          workload,
          r.target.key,
          `${fmtNumber(s.users)} users / ${fmtNumber(s.sessions)} sessions / ${fmtNumber(s.tokens)} tokens`,
          ...measured(r),
          i === 0 ? '1.00×' : fmtRatio(ratios[workload]),
        ];
      }),
    ),
  );
  const adminTable = markdownTable(
    ['admin list (big database)', 'req/s', 'rounds', 'p50 ms', 'p99 ms', 'tessera CPU', 'other CPU', '÷ first page'],
    admin.map((r) => [r.name, ...measured(r), fmtRatio(roundRatio(r, admin[0]))]),
  );
  const failed = [...Object.values(rows).flat(), ...admin].filter(
    (r) => r.non2xx + r.errors + (r.chainBreaks ?? 0) > 0,
  );
  const goal = (v) => `${fmtRatio(v)} (${v >= 0.8 ? 'met' : '**not met**'})`;
  const workloads = Object.keys(rows).length > 0;
  console.log(
    [
      `## tessera at scale: PostgreSQL ${shape.big.version}, ${fmtNumber(USERS)} users / ${fmtNumber(TOKENS)} refresh tokens${QUICK ? ' (--quick)' : ''}${ADMIN_ONLY ? ' (--admin-only)' : ''}`,
      '',
      machineLine(),
      '',
      `autocannon, ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${SECONDS} s per run, ${ROUNDS} round(s) in ` +
        `alternating order; medians over the rounds. PostgreSQL at ${new URL(PG_ADMIN_URL).host} ` +
        `(shared_buffers ${shape.big.buffers}); its CPU counts as "other CPU". tessera with rate limits and ` +
        'pruning off. Refresh: each connection rotates its own chain; profile: `GET /api/profile/`.',
      ...(workloads
        ? ['', table, '', `Goal big ÷ empty ≥ 0.80×: refresh ${goal(ratios.refresh)}, profile ${goal(ratios.profile)}.`]
        : []),
      '',
      `The admin API's user list as a staff member, ${ADMIN_PAGE_SIZE} users a page, cursor-paged by id; every ` +
        'answer counts its matches up to 10,000; a search is a substring match of the username, email and names: ' +
        'a common term is read along the primary key until the page is full, a rare one is looked up in the ' +
        'trigram indexes (pg_trgm, migration 0010). Goal: page 1000 ÷ first page ≥ 0.80×, ' +
        `${goal(roundRatio(admin[1], admin[0]))}.`,
      '',
      adminTable,
      '',
      'The searches in PostgreSQL (EXPLAIN ANALYZE BUFFERS before the runs, on this database): 8 KiB pages read ' +
        'by the page query and by the capped count, and their time, with the trigram indexes and without them.',
      '',
      markdownTable(
        [
          'search',
          'page: pages',
          'page: ms',
          'count: pages',
          'count: ms',
          'no trigram index: page pages / ms',
          'count pages / ms',
        ],
        plans.map(([name, p]) => [
          name,
          fmtNumber(p.indexed.page.pages),
          ms(p.indexed.page.ms),
          fmtNumber(p.indexed.count.pages),
          ms(p.indexed.count.ms),
          `${fmtNumber(p.unindexed.page.pages)} / ${ms(p.unindexed.page.ms)}`,
          `${fmtNumber(p.unindexed.count.pages)} / ${ms(p.unindexed.count.ms)}`,
        ]),
      ),
      '',
      `Trigram indexes present: ${plans[0]?.[1].trigramIndexes ?? 0}. The page query's plans:`,
      '',
      ...plans.flatMap(([name, p]) => [`${name}:`, '', '```', ...planLines(p.indexed.page.plan), '```', '']),
      `Seeding the big database (${fmtNumber(shape.big.bytes / 2 ** 20)} MiB): ${seeding}.`,
      ...(failed.length ? ['', '> **WARNING: requests failed; these numbers are not valid:**', ''] : []),
      ...failed.map((r) => `- ${r.name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.chainBreaks ?? 0} broken chains`),
    ].join('\n'),
  );
  if (failed.length) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  console.error(`\nscale: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await stopEverything().catch((error) => console.error(`scale: cleanup: ${error.message}`));
}
