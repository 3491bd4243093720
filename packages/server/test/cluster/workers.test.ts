// `tessera serve --workers 2` as an operator runs it: a primary and two worker
// processes on one port and one store, SQLite file and PostgreSQL database.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCrashDatabase, type CrashDatabase } from '../crash/database.js';
import { within } from '../support/eventually.js';
import { freePort, startTessera, type TesseraProcess } from '../support/processes.js';
import { TEST_SECRET } from '../support/server.js';
import type { DialectName } from '../support/stores.js';

const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));
/** Three processes start on a machine other tests share: give them room. */
const START_WITHIN_MS = 45_000;

const postgresUrl = inject('postgresUrl');
const DIALECTS: DialectName[] = postgresUrl === null ? ['sqlite'] : ['sqlite', 'postgres'];
const ROUNDS = 10;
const CONCURRENT = 8;
const PASSWORD = 'correct horse';

interface Answer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** A request on a connection of its own: the primary hands each new connection to the next worker. */
function send(url: string, options: { method?: string; body?: unknown; token?: string } = {}): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        headers: {
          connection: 'close',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The pids of `pid`'s children: the workers of a primary. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Refresh tokens presented more than once and rotated more than once: a forked chain. */
async function forkedRotations(dialect: DialectName, url: string): Promise<number> {
  const sql =
    'SELECT parent_jti FROM refresh_tokens WHERE parent_jti IS NOT NULL GROUP BY parent_jti HAVING COUNT(*) > 1';
  if (dialect === 'sqlite') {
    const db = new BetterSqlite3(url.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(sql).all().length;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rowCount ?? 0;
  } finally {
    await client.end();
  }
}

describe.runIf(process.env.TESSERA_TEST_DIALECT !== 'postgres').each(DIALECTS)('serve --workers 2 on %s', (dialect) => {
  let database: CrashDatabase;
  let tessera: TesseraProcess;
  let metricsUrl: string;

  beforeAll(async () => {
    database = await createCrashDatabase(dialect, postgresUrl, ['alice'], PASSWORD);
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    tessera = await startTessera({
      databaseUrl: database.url,
      cwd: database.dir,
      args: ['--workers', '2'],
      env: {
        TESSERA_METRICS_PORT: String(metricsPort),
        TESSERA_REVOCATION_POLL_MS: '250',
        // Logins as by default; refreshes more: the rotation rounds below refresh one session 80 times.
        TESSERA_RATE_LIMITS: 'obtain=5/minute,refresh=1000/minute',
      },
      readyWithinMs: START_WITHIN_MS,
    });
    // /healthz answers once one worker listens; the primary's metrics list a worker once it listens.
    await within(START_WITHIN_MS, async () => {
      const text = await (await fetch(metricsUrl)).text();
      return text.includes('worker="1"') && text.includes('worker="2"');
    });
  }, START_WITHIN_MS * 2);
  afterAll(async () => {
    await tessera?.kill();
    await database?.drop();
  });

  it('hands connections to both workers, and serves their metrics once, each series labelled by worker', async () => {
    const served = async () => {
      const text = await (await fetch(metricsUrl)).text();
      expect(text.match(/^# TYPE tessera_http_requests_total counter$/gm)).toHaveLength(1);
      return ['1', '2'].map((worker) => {
        const sample = new RegExp(
          `^tessera_http_requests_total\\{worker="${worker}",route="/healthz",method="GET",status="200"\\} (\\d+)$`,
          'm',
        );
        return Number(sample.exec(text)?.[1] ?? 0);
      });
    };
    const before = await served();
    for (let i = 0; i < 6; i++) expect((await send(`${tessera.baseUrl}/healthz`)).status).toBe(200);
    const after = await served();
    // Round-robin: six new connections in a row, three to each worker.
    expect([after[0]! - before[0]!, after[1]! - before[1]!]).toEqual([3, 3]);
    expect(childrenOf(tessera.pid)).toHaveLength(2);
  });

  it('counts a rate limit across workers (held by the primary), not per worker', async () => {
    const attempt = () =>
      send(`${tessera.baseUrl}/api/token/`, { method: 'POST', body: { username: 'mallory', password: 'guess' } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt()).status);
    // Per worker, ten would pass before the first 429.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('refuses on every worker, within one second, the access token of a session logged out on one', async () => {
    const login = await send(`${tessera.baseUrl}/api/token/`, {
      method: 'POST',
      body: { username: 'alice', password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const { access, refresh } = login.body as { access: string; refresh: string };
    const profile = () => send(`${tessera.baseUrl}/api/profile/`, { token: access });
    // Both workers have the session cached as live.
    for (let i = 0; i < 4; i++) expect((await profile()).status).toBe(200);
    const logout = await send(`${tessera.baseUrl}/api/auth/logout/`, {
      method: 'POST',
      body: { refresh },
      token: access,
    });
    expect(logout.status).toBe(205);
    // Four refusals in a row: two on each worker.
    let refusedInARow = 0;
    await within(1000, async () => {
      const answer = await profile();
      refusedInARow = answer.status === 401 ? refusedInARow + 1 : 0;
      return refusedInARow === 4;
    });
    expect(await profile()).toEqual({
      status: 401,
      body: {
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is blacklisted' }],
      },
    });
  });

  it(`rotates one token once per round across both workers, ${ROUNDS} rounds of ${CONCURRENT}`, async () => {
    const login = await send(`${tessera.baseUrl}/api/token/`, {
      method: 'POST',
      body: { username: 'alice', password: PASSWORD },
    });
    let { refresh } = login.body as { refresh: string };
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await Promise.all(
        Array.from({ length: CONCURRENT }, () =>
          send(`${tessera.baseUrl}/api/token/refresh/`, { method: 'POST', body: { refresh } }),
        ),
      );
      // One rotation, whichever worker won it: every presentation gets the identical pair.
      expect(answers[0]!.status).toBe(200);
      expect(answers).toEqual(Array.from({ length: CONCURRENT }, () => answers[0]));
      refresh = answers[0]!.body!.refresh as string;
    }
    expect(await forkedRotations(dialect, database.url)).toBe(0);
  });

  it('replaces a worker that dies, and on SIGTERM stops every worker and exits 0', async () => {
    const [first, second] = childrenOf(tessera.pid);
    process.kill(first!, 'SIGKILL');
    await within(10_000, () => {
      const workers = childrenOf(tessera.pid);
      return Promise.resolve(workers.length === 2 && !workers.includes(first!));
    });
    expect((await send(`${tessera.baseUrl}/healthz`)).status).toBe(200);
    const workers = childrenOf(tessera.pid);
    expect(workers).toContain(second);
    await tessera.stop();
    expect(await tessera.exited).toEqual({ code: 0, signal: null });
    expect(workers.filter(alive)).toEqual([]);
  });
});

describe.runIf(process.env.TESSERA_TEST_DIALECT !== 'postgres')('serve --workers 2 that cannot start', () => {
  it(
    'exits 1, saying why, when every worker fails before it listens',
    async () => {
      const database = await createCrashDatabase('sqlite', null, [], PASSWORD);
      // The port is taken: every worker's listen fails.
      const taken = createServer().listen(0, '127.0.0.1');
      await once(taken, 'listening');
      const { port } = taken.address() as { port: number };
      try {
        const child = spawn(process.execPath, [BIN, 'serve', '--workers', '2'], {
          cwd: database.dir,
          env: {
            PATH: process.env.PATH,
            PORT: String(port),
            DATABASE_URL: database.url,
            TESSERA_SECRET_KEY: TEST_SECRET,
            LOG_LEVEL: 'warn',
            LOG_FORMAT: 'json',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
        const [code] = (await once(child, 'exit')) as [number | null];
        expect(code).toBe(1);
        expect(output).toContain(`tessera: bind EADDRINUSE 127.0.0.1:${port}`);
        expect(output).toContain('every worker exited before it listened');
        // Not a loop: each of the two slots failed, at most once more for the first.
        expect(output.match(/EADDRINUSE/g)!.length).toBeLessThanOrEqual(3);
      } finally {
        taken.close();
        await database.drop();
      }
    },
    START_WITHIN_MS,
  );
});
