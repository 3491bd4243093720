// Where the CLI tests run `tessera`: a fresh temporary directory with a real
// SQLite file. Most commands run in-process through `main(argv, io)` with
// piped streams and an environment of their own, as the bin would run them;
// a few smoke tests run the real bin as a child process (`npm run build` first).
import { spawn } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { test as base } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store, UserRecord } from '../../src/store/types.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const BIN = join(ROOT, 'packages/server/bin/tessera.js');
/** What `npm install` links for the workspace's `bin`, and what `npx tessera` runs. */
export const LINKED_BIN = join(ROOT, 'node_modules/.bin/tessera');
export { ROOT };
/** PATH finds this very node for the bin's `#!/usr/bin/env node`. */
export const PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to a minimal environment: PATH and DATABASE_URL only. */
  env?: Record<string, string>;
  /** Piped to stdin, which is then closed. */
  input?: string;
}

export interface Sandbox {
  dir: string;
  dbPath: string;
  /** Runs `tessera ...args` in-process: `main(args, io)` on piped streams. */
  tessera(args: string[], options?: RunOptions): Promise<Outcome>;
  /** Runs `node packages/server/bin/tessera.js ...args` in `dir`, a child process. */
  binary(args: string[], options?: RunOptions): Promise<Outcome>;
  /** Opens the sandbox's database through the store, then closes it. */
  withStore<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /** The user as stored; fails the test when there is none. */
  user(username: string): Promise<UserRecord>;
}

/** Runs `file args` in `cwd` with exactly `env`, `input` piped to its stdin. */
export function run(
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  input = '',
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A stream that keeps what is written to it. */
function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** `main` as the bin runs it, with `input` on a piped (non-terminal) stdin and nothing else of this process's. */
export async function runMain(args: string[], env: Record<string, string>, input = ''): Promise<Outcome> {
  const stdout = collector();
  const stderr = collector();
  const stdin = Readable.from(input === '' ? [] : [Buffer.from(input)], { objectMode: false });
  const code = await main(args, { stdin, stdout: stdout.stream, stderr: stderr.stream, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export function createSandbox(dir: string): Sandbox {
  const dbPath = join(dir, 'db.sqlite');
  const baseEnv = { PATH, DATABASE_URL: `sqlite:${dbPath}` };
  const withStore = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openSqliteStore({ path: dbPath });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  };
  return {
    dir,
    dbPath,
    tessera: (args, { env = {}, input } = {}) => runMain(args, { ...baseEnv, ...env }, input),
    binary: (args, { env = {}, input } = {}) =>
      run(process.execPath, [BIN, ...args], dir, { ...baseEnv, ...env }, input),
    withStore,
    async user(username) {
      const user = await withStore((store) => store.findUserByUsername(username));
      if (user === undefined) throw new Error(`no user "${username}" in the store`);
      return user;
    },
  };
}

/**
 * Vitest's `it` with a `sandbox` fixture: a fresh temporary directory per
 * test, named from `prefix`, removed after it.
 */
export function sandboxTest(prefix: string) {
  return base.extend<{ sandbox: Sandbox }>({
    // eslint-disable-next-line no-empty-pattern -- vitest reads fixture dependencies from this pattern
    sandbox: async ({}, use) => {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      try {
        await use(createSandbox(dir));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  });
}

/** A live session of `userId` with one refresh token (`<sessionId>-jti`), started `now`, as a login would. */
export async function seedSession(
  store: Store,
  userId: number,
  sessionId: string,
  {
    now = Date.now(),
    expiresAt = now + 86_400_000,
    dpopJkt,
  }: { now?: number; expiresAt?: number; dpopJkt?: string } = {},
): Promise<void> {
  await store.startSession({
    sessionId,
    userId,
    now,
    ip: '127.0.0.1',
    userAgent: 'cli-test',
    token: { jti: `${sessionId}-jti`, issuedAt: now, expiresAt },
    dpopJkt,
  });
}
