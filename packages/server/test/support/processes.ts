// tessera as an operator runs it: `node packages/server/bin/tessera.js serve`,
// a child process of the test that the test can stop or SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { TEST_SECRET } from './server.js';

export { freePort };

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'packages/server/bin/tessera.js');
const PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
const READY_WITHIN_MS = 15_000;
const READY_POLL_MS = 50;
/** The last output kept for a failure message. */
const OUTPUT_LIMIT = 8192;

/** A running `tessera serve`. */
export interface TesseraProcess {
  readonly baseUrl: string;
  readonly pid: number;
  /** SIGKILL, no chance to clean up; resolves once the process is gone. Idempotent. */
  kill(): Promise<void>;
  /** SIGTERM, a graceful close; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
  /** What it wrote on stdout and stderr (the tail). */
  output(): string;
  /** How it exited, once it has. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  databaseUrl: string;
  /** The working directory (where a relative SQLite path would land). */
  cwd?: string;
  /** More environment, e.g. lifetimes. */
  env?: Record<string, string>;
  /** The port to listen on, e.g. the one it had before a restart; a free one by default. */
  port?: number;
  /** More arguments after `serve`, e.g. `['--workers', '2']`. */
  args?: string[];
  /** How long /healthz may take to answer 200; {@link READY_WITHIN_MS} by default. */
  readyWithinMs?: number;
}

/**
 * Starts `tessera serve` on `databaseUrl` and a free port, and resolves once
 * /healthz answers 200 (polled, at most `readyWithinMs`).
 *
 * @example
 * ```ts
 * const server = await startTessera({ databaseUrl: 'sqlite:/tmp/x/db.sqlite', cwd: '/tmp/x' });
 * await fetch(`${server.baseUrl}/healthz`);
 * await server.kill();
 * ```
 */
export async function startTessera({
  databaseUrl,
  cwd,
  env = {},
  port: given,
  args = [],
  readyWithinMs = READY_WITHIN_MS,
}: StartOptions): Promise<TesseraProcess> {
  const port = given ?? (await freePort());
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    ...(cwd === undefined ? {} : { cwd }),
    env: {
      PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      TESSERA_SECRET_KEY: TEST_SECRET,
      LOG_LEVEL: 'warn',
      // Load and crash tests send far more than a client would; rate limits have their own tests.
      TESSERA_RATE_LIMITS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = exitOf(child);
  const server: TesseraProcess = {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    output: () => output,
    exited: exited.then(() => ({ code: child.exitCode, signal: child.signalCode })),
  };
  try {
    await waitUntilHealthy(server.baseUrl, exited, readyWithinMs);
  } catch (error) {
    await server.kill();
    throw new Error(`tessera serve did not become healthy: ${String(error)}\n--- its output ---\n${output}`);
  }
  return server;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

async function waitUntilHealthy(baseUrl: string, exited: Promise<void>, withinMs: number): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error('the process exited');
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
      await response.text();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  throw new Error(`no 200 from /healthz within ${withinMs} ms`);
}
