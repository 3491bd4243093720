// Helpers shared by the benchmark scripts. Nothing here is part of tessera.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createHmac } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NODE_FLAGS } from '../packages/server/bin/node-flags.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_DIR = path.join(ROOT, 'packages', 'server');
export const SERVER_DIST = path.join(SERVER_DIR, 'dist');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** Resolves a package the way the server workspace sees it (hoisted or not). */
const serverRequire = createRequire(path.join(SERVER_DIR, 'package.json'));

/** Imports `name` as packages/server would. */
export async function importFromServer(name) {
  return import(pathToFileURL(serverRequire.resolve(name)).href);
}

/** Imports an optional package (from the repo root or the server workspace); undefined when absent. */
export async function importOptional(name) {
  try {
    return await import(name);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  }
  for (const base of [path.join(ROOT, 'package.json'), path.join(SERVER_DIR, 'package.json')]) {
    try {
      const resolved = createRequire(base).resolve(name);
      return await import(pathToFileURL(resolved).href);
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/** Stops with a clear message unless `npm run build` has produced packages/server/dist. */
export function requireBuild() {
  const needed = [path.join(SERVER_DIST, 'cli', 'main.js'), path.join(SERVER_DIST, 'tokens', 'jwt.js')];
  const missing = needed.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    console.error(
      `bench: ${path.relative(ROOT, missing[0])} is missing: the benchmark runs the built server.\n` +
        '       Run `npm run build` first, then `npm run bench` again.',
    );
    process.exit(2);
  }
}

/** The number in environment variable `name`, or `fallback` when unset; exits with a message unless it is positive (or 0, with `allowZero`). */
export function envNumber(name, fallback, allowZero = false) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    console.error(`bench: ${name}=${JSON.stringify(raw)} must be a positive number`);
    process.exit(2);
  }
  return value;
}

/** true for `--smoke` or BENCH_SMOKE=1: about a second per measurement, for CI. */
export function isSmoke(argv = process.argv.slice(2)) {
  return argv.includes('--smoke') || ['1', 'true', 'yes'].includes(String(process.env.BENCH_SMOKE ?? '').toLowerCase());
}

export function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** One line describing where the numbers come from. */
export function machineLine() {
  return `${new Date().toISOString()} · Node ${process.version} · ${cpuModel()} · ${os.cpus().length} CPUs · ${os.platform()} ${os.release()}`;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The sum of `pick(row)` over `rows`, a missing value counting 0. */
export function sumOf(rows, pick) {
  return rows.reduce((total, row) => total + (pick(row) ?? 0), 0);
}

/** A GitHub-flavoured markdown table; columns after the first are right-aligned. */
export function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length), 3));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  // the delimiter row as Prettier writes it, so generated docs pass `prettier --check`
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** 12345.6 -> "12,346"; small numbers keep a decimal. */
export function fmtNumber(n, digits = 0) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtRatio(n) {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return `${n >= 10 ? n.toFixed(1) : n.toFixed(2)}×`;
}

export function fmtPercent(n) {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return `${(n * 100).toFixed(n < 0.1 ? 1 : 0)}%`;
}

/** Every child still running: the scripts kill them on exit, on error and on Ctrl-C. */
export const children = new Set();

/**
 * Starts `node args…` from the repository root, keeping the tail of its
 * output, with the V8 flags `tessera`'s own command runs with: servers and
 * peers then differ in their code only.
 */
export function startChild(name, args, env, options) {
  return startProcess(name, process.execPath, [...NODE_FLAGS, ...args], env, options);
}

/**
 * Starts `command args…` from the repository root, keeping the tail of its
 * output. With `group`, the child leads a process group of its own and is
 * signalled as a group, so that a server's worker processes (gunicorn) stop
 * with it. With `stdoutFile`, its standard output goes to that file, as a
 * server's access log goes to a file or a collector in production: read
 * through a pipe by this process, a log of every request would take CPU
 * from the load generator.
 */
export function startProcess(name, command, args, env, { group = false, stdoutFile } = {}) {
  const stdoutFd = stdoutFile === undefined ? undefined : openSync(stdoutFile, 'a');
  let child;
  try {
    child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
      detached: group,
    });
  } finally {
    if (stdoutFd !== undefined) closeSync(stdoutFd);
  }
  const record = { name, child, group, stdoutFile, output: '', lines: 0, exited: false, exitCode: null };
  const keep = (chunk) => {
    const text = chunk.toString();
    record.lines += text.split('\n').filter((l) => l.trim() !== '').length;
    record.output = (record.output + text).slice(-32_768);
  };
  child.stdout?.on('data', keep);
  child.stderr.on('data', keep);
  record.done = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      record.exited = true;
      record.exitCode = code ?? signal;
      children.delete(record);
      resolve();
    });
  });
  children.add(record);
  return record;
}

/** A child's last output: its stderr and the tail of its `stdoutFile`, or everything it printed. */
export function outputOf(record) {
  if (record.stdoutFile === undefined || !existsSync(record.stdoutFile)) return record.output;
  const fd = openSync(record.stdoutFile, 'r');
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, 16_384));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return `${record.output}${tail.toString()}`;
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of a child's `stdoutFile` that are not pino records below
 * warning level (40): its warnings, errors and anything not JSON. Read as a
 * stream: an access log of a whole run is hundreds of megabytes.
 */
export async function warningLines(record) {
  if (record.stdoutFile === undefined || !existsSync(record.stdoutFile)) return [];
  const kept = [];
  const lines = readline.createInterface({ input: createReadStream(record.stdoutFile), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let level;
    try {
      level = JSON.parse(line).level;
    } catch {
      // not JSON: keep it
    }
    if (typeof level !== 'number' || level >= 40) kept.push(line);
  }
  return kept;
}

/** Sends `signal` to a started child (to its whole process group if it has one). */
export function signalChild(record, signal) {
  try {
    if (record.group) process.kill(-record.child.pid, signal);
    else record.child.kill(signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(record) {
  if (record.exited) return;
  signalChild(record, 'SIGTERM');
  const timer = setTimeout(() => signalChild(record, 'SIGKILL'), 5000);
  await record.done;
  clearTimeout(timer);
}

/** `pid` and all its descendants (Linux; just `[pid]` elsewhere). */
export function processTree(pid) {
  const parentOf = new Map();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    return [pid];
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Peak resident set size in MiB (VmHWM), summed over the given processes; undefined off Linux. */
export function peakRssMiB(pids) {
  let kib = 0;
  let found = false;
  for (const pid of pids) {
    try {
      const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) {
        kib += Number(match[1]);
        found = true;
      }
    } catch {
      // exited meanwhile
    }
  }
  return found ? kib / 1024 : undefined;
}

/**
 * Resets the peak resident set (VmHWM) of the given processes to their
 * current RSS (Linux: `5` into /proc/<pid>/clear_refs), so that the next
 * peakRssMiB is the peak since now. Answers false where that is not possible.
 */
export function resetPeakRss(pids) {
  let ok = true;
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      ok = false;
    }
  }
  return ok;
}

/** An HS256 JWT over `payload`, by hand with node:crypto (for peers that only verify). */
export function signHs256(payload, secret) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A port nobody listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once `url` answers 2xx (any HTTP answer with `anyStatus`); fails
 * if the child exits or `timeoutSeconds` (30) pass.
 */
export async function waitUntilServing(record, url, { anyStatus = false, timeoutSeconds = 30 } = {}) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    if (record.exited) throw new Error(`${record.name} exited with ${record.exitCode}:\n${outputOf(record)}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok || anyStatus) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${record.name} did not answer ${url} within ${timeoutSeconds} s:\n${outputOf(record)}`);
}
