// The access log as `tessera serve` writes it: the real CLI in a child process,
// stdout a pipe (so JSON through pino's asynchronous destination), LOG_LEVEL
// at its default. Every line a request wrote must be in stdout once the
// process is gone, however it ended.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, PATH } from '../cli/sandbox.js';
import { freePort } from '../support/ports.js';
import { TEST_SECRET } from '../support/server.js';

const PASSWORD = 'correct horse battery';
/** Enough lines for several of the destination's 4 KiB writes, the last one partial. */
const REQUESTS = 200;
/** Two servers start, log in and answer REQUESTS each on a busy machine. */
const TIMEOUT_MS = 120_000;
const CONCURRENCY = 8;

/** Loaded with `--import`: SIGUSR2 makes the server throw from a timer, an uncaught exception. */
const CRASH_ON_SIGUSR2 = `process.on('SIGUSR2', () => setImmediate(() => { throw new Error('crash on request'); }));\n`;

interface Served {
  baseUrl: string;
  /** What it wrote so far, for a failure's message. */
  output(): string;
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code and everything written on stdout. */
  exited: Promise<{ code: number | null; stdout: string }>;
}

const dirs: string[] = [];
/** Servers a failed test left running. */
const running = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** `tessera serve` on a fresh SQLite file with one user, alice, once it answers /healthz. */
async function serve(): Promise<Served> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-access-log-'));
  dirs.push(dir);
  const hook = join(dir, 'crash.mjs');
  await writeFile(hook, CRASH_ON_SIGUSR2);
  const port = await freePort();
  const env = {
    PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    TESSERA_SECRET_KEY: TEST_SECRET,
    TESSERA_RATE_LIMITS: 'off',
  };
  const created = spawnSync(process.execPath, [BIN, 'createuser', '--username', 'alice', '--email', 'a@example.com'], {
    cwd: dir,
    env: { ...env, TESSERA_PASSWORD: PASSWORD },
    encoding: 'utf8',
  });
  expect(created.status, created.stderr).toBe(0);
  const child = spawn(process.execPath, ['--import', hook, BIN, 'serve'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.resume();
  const exited = new Promise<{ code: number | null; stdout: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout })),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  let gone = false;
  void exited.then(() => (gone = true));
  for (let ready = false; !ready;) {
    if (gone) throw new Error(`tessera serve exited before answering:\n${stdout}`);
    ready = await fetch(`${baseUrl}/healthz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { baseUrl, output: () => stdout, signal: (name) => child.kill(name), exited };
}

/** Logs alice in, then sends REQUESTS protected GETs, CONCURRENCY at a time; each must answer 200. Answers a body's bytes. */
async function protectedGets(server: Served): Promise<number> {
  const { baseUrl } = server;
  const login = await fetch(`${baseUrl}/api/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: PASSWORD }),
  });
  const body = await login.text();
  expect(login.status, `${body}\n${server.output()}`).toBe(200);
  const { access } = JSON.parse(body) as { access: string };
  let sent = 0;
  let bytes = 0;
  const worker = async () => {
    while (sent < REQUESTS) {
      sent++;
      const response = await fetch(`${baseUrl}/api/profile/?token=not-for-the-log`, {
        headers: { authorization: `Bearer ${access}` },
      });
      const text = await response.text();
      expect(response.status, text).toBe(200);
      bytes = Buffer.byteLength(text);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return bytes;
}

type Record = { [field: string]: unknown };

function recordsOf(stdout: string): Record[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record);
}

const profileLines = (records: Record[]) =>
  records.filter((record) => record.msg === 'request completed' && record.url === '/api/profile/');

describe('the access log of tessera serve', () => {
  it(
    'is one JSON line per request with what an operator needs, and none is lost on SIGTERM',
    async () => {
      const server = await serve();
      const bodyBytes = await protectedGets(server);
      server.signal('SIGTERM');
      const { code, stdout } = await server.exited;
      expect(code).toBe(0);
      const records = recordsOf(stdout);
      const lines = profileLines(records);
      expect(lines).toHaveLength(REQUESTS);
      expect(records.filter((record) => record.msg === 'incoming request')).toEqual([]);
      const line = lines[0] as Record;
      expect(Object.keys(line).sort()).toEqual(
        [
          'contentLength',
          'hostname',
          'level',
          'method',
          'msg',
          'pid',
          'remoteAddress',
          'reqId',
          'responseTime',
          'statusCode',
          'time',
          'url',
          'userId',
        ].sort(),
      );
      expect(line).toMatchObject({
        level: 30,
        method: 'GET',
        url: '/api/profile/',
        statusCode: 200,
        remoteAddress: '127.0.0.1',
        userId: '1',
        contentLength: bodyBytes,
      });
      expect(line.responseTime).toBeTypeOf('number');
      expect(new Set(lines.map((record) => record.reqId)).size).toBe(REQUESTS);
      expect(stdout).not.toContain('not-for-the-log');
      expect(records.at(-1)?.msg).toBe('SIGTERM received, closing');
    },
    TIMEOUT_MS,
  );

  it(
    'loses no line when the process crashes, and says why it exits',
    async () => {
      const server = await serve();
      await protectedGets(server);
      server.signal('SIGUSR2');
      const { code, stdout } = await server.exited;
      expect(code).toBe(1);
      const records = recordsOf(stdout);
      expect(profileLines(records)).toHaveLength(REQUESTS);
      const crash = records.at(-1) as Record;
      expect(crash).toMatchObject({
        level: 60,
        msg: 'uncaught exception: exiting',
        origin: 'uncaughtException',
        err: { type: 'Error', message: 'crash on request' },
      });
    },
    TIMEOUT_MS,
  );
});
