// The SimpleJWT reference peer (bench/peers/simplejwt): Django + DRF +
// SimpleJWT from Debian, run by its own serve.sh under gunicorn, in a process
// group of its own so that stopping it stops gunicorn's workers too.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/processes.js';

const PEER_DIR = fileURLToPath(new URL('../../../../bench/peers/simplejwt/', import.meta.url));
/** serve.sh runs Debian's interpreter, whatever python3 is first on PATH. */
const PYTHON = '/usr/bin/python3';
/** What serve.sh needs: Django, DRF, SimpleJWT with its blacklist app, gunicorn. */
const IMPORTS = 'import django, rest_framework, rest_framework_simplejwt.token_blacklist, gunicorn';
/** gunicorn's start plus Django's migrate of a fresh SQLite file take a few seconds. */
const READY_WITHIN_MS = 20_000;
const READY_POLL_MS = 100;
const OUTPUT_LIMIT = 8192;

/** gunicorn's sync workers: one request each at a time. */
export const PEER_WORKERS = Math.max(2, availableParallelism());

/** How to install the peer, for every message that says it is missing. */
export const PEER_SETUP = 'bash bench/peers/simplejwt/setup.sh';

/** Why the peer cannot run here, or null when its Python packages are installed. */
export function whyPeerIsMissing(): string | null {
  const check = spawnSync(PYTHON, ['-c', IMPORTS], { encoding: 'utf8' });
  if (check.error !== undefined) return `${PYTHON} cannot run (${check.error.message})`;
  if (check.status !== 0) return `${PYTHON} cannot import its packages: ${check.stderr.trim().split('\n').at(-1)}`;
  return null;
}

/** A running peer. */
export interface RunningPeer {
  readonly baseUrl: string;
  /** SIGTERM to its process group, SIGKILL if still there after a while; removes its database. */
  stop(): Promise<void>;
}

/** The SimpleJWT peer, and where its Django database is. */
export interface RunningSimpleJwtPeer extends RunningPeer {
  /** The SQLite file serve.sh migrated and seeded: `tessera import django --from sqlite:<this>`. */
  readonly databasePath: string;
}

/**
 * Starts serve.sh on a free port with a fresh database in a temporary
 * directory, signing with `secretKey`, and resolves once it answers HTTP.
 *
 * @example
 * ```ts
 * const peer = await startPeer('x'.repeat(48));
 * await fetch(`${peer.baseUrl}/api/token/`, { method: 'POST' });
 * await peer.stop();
 * ```
 */
export async function startPeer(secretKey: string): Promise<RunningSimpleJwtPeer> {
  const dbDir = mkdtempSync(join(tmpdir(), 'tessera-conformance-peer-'));
  const peer = await startDjangoService({
    script: join(PEER_DIR, 'serve.sh'),
    args: [dbDir],
    env: { PEER_SECRET_KEY: secretKey, PEER_WORKERS: String(PEER_WORKERS) },
    name: 'the SimpleJWT peer',
  });
  return {
    baseUrl: peer.baseUrl,
    // peer/settings.py names it.
    databasePath: join(dbDir, 'simplejwt-peer.sqlite3'),
    async stop() {
      await peer.stop();
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

export interface DjangoService {
  /** A serve.sh taking the port first, then `args`. */
  script: string;
  args?: string[];
  /** Added to this process's environment. */
  env: Record<string, string>;
  /** For error messages. */
  name: string;
}

/**
 * Runs a Django project's serve.sh on a free port, in a process group of its
 * own (so stopping it stops gunicorn's workers), and resolves once it
 * answers HTTP.
 */
export async function startDjangoService({ script, args = [], env, name }: DjangoService): Promise<RunningPeer> {
  const port = await freePort();
  const child = spawn('bash', [script, String(port), ...args], {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-OUTPUT_LIMIT);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const signal = (signalName: NodeJS.Signals) => {
    if (gone || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signalName);
    } catch {
      // The group is already gone.
    }
  };
  const service: RunningPeer = {
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + READY_WITHIN_MS;
  while (!(await answers(service.baseUrl))) {
    if (gone || Date.now() > deadline) {
      await service.stop();
      const why = gone ? 'exited' : `did not answer within ${READY_WITHIN_MS} ms`;
      throw new Error(`${name} ${why}.\n--- its output ---\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  return service;
}

/** Whether anything answers HTTP at `baseUrl` (any status: Django is up). */
async function answers(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/api/token/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
