/**
 * How the server's log reads. JSON lines are for machines (log shippers, the
 * bench) and stay the default wherever stdout is not a terminal; on a
 * terminal, or with `LOG_FORMAT=pretty`, each request is one short line a
 * person can follow: `12:04:05 POST /api/token/ 200 21 ms`. Either way a
 * request is logged once, when it is answered ({@link AccessLog}).
 */

import type { FastifyServerOptions } from 'fastify';
import pino from 'pino';
import type { Config } from '../config.js';
import { escapeControl } from '../terminal-text.js';
import { AccessLog } from './access-log.js';
import { lazyRequestLoggers } from './request-logger.js';

/**
 * Bytes of JSON lines gathered before one write: about fifteen access lines.
 * A quiet server's lines wait at most {@link FLUSH_INTERVAL_MS}.
 */
const MIN_WRITE_BYTES = 4096;
/** How long a line may wait in the buffer when too few follow it. */
const FLUSH_INTERVAL_MS = 250;

/** Where the log goes: process.stdout, or a stream a test reads. */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Whether the log is written for a person: `LOG_FORMAT=pretty`, or `auto`
 * (the default) with `out` a terminal.
 *
 * @example
 * ```ts
 * if (prettyLogs(config, process.stdout)) process.stdout.write(banner);
 * ```
 */
export function prettyLogs(config: Pick<Config, 'logFormat'>, out: LogOutput): boolean {
  return config.logFormat === 'pretty' || (config.logFormat === 'auto' && out.isTTY === true);
}

/**
 * Fastify's logger options for `config`, writing to `out`: pino's JSON lines,
 * or, when {@link prettyLogs}, one formatted line per record; one line per
 * request either way. JSON for process.stdout goes through pino's
 * asynchronous destination ({@link asyncStdout}); a person's terminal and a
 * test's stream are written synchronously.
 *
 * @example
 * ```ts
 * const app = Fastify({ ...appLogging(config, process.stdout) });
 * ```
 */
export function appLogging(
  config: Pick<Config, 'logFormat' | 'logLevel'>,
  out: LogOutput,
): Pick<FastifyServerOptions, 'logger' | 'logController' | 'childLoggerFactory'> {
  const logController = new AccessLog();
  if (!prettyLogs(config, out)) {
    const stream = out === process.stdout ? asyncStdout() : out;
    return { logger: { level: config.logLevel, stream }, logController, childLoggerFactory: lazyRequestLoggers };
  }
  return {
    logger: { level: config.logLevel, stream: { write: (line: string) => out.write(formatLogLine(line)) } },
    logController,
    childLoggerFactory: lazyRequestLoggers,
  };
}

/**
 * Standard output as pino's asynchronous destination (sonic-boom): lines
 * gather in memory and are written {@link MIN_WRITE_BYTES} at a time from
 * libuv's thread pool, not one `write(2)` per line on the request's time.
 * pino writes what is left synchronously on `exit`, whatever ends the
 * process; a line already handed to the thread pool is not in that buffer,
 * so whoever exits on purpose waits for `logger.flush(callback)` first
 * (`startServer` does, on signals and on a crash).
 */
function asyncStdout(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: MIN_WRITE_BYTES });
  // sonic-boom's flush() on an empty buffer still makes a write: flush only after lines.
  let written = false;
  const write = destination.write.bind(destination);
  destination.write = (line: string) => {
    written = true;
    return write(line);
  };
  const timer = setInterval(() => {
    if (!written) return;
    written = false;
    destination.flush();
  }, FLUSH_INTERVAL_MS);
  timer.unref();
  destination.on('close', () => clearInterval(timer));
  return destination;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Pino's own fields, and those the line shows in its own place. */
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'err', 'security_event']);
/** What the line's head says, and the access log's fields a person's line leaves out. */
const REQUEST_FIELDS = new Set([
  'method',
  'url',
  'statusCode',
  'responseTime',
  'remoteAddress',
  'contentLength',
  'userId',
]);

/**
 * One pino JSON record as a line for a terminal: the local time, then the
 * request (`POST /api/token/ 200 21 ms`) or the level and message, then the
 * other fields as `key=value`, then an error's stack, indented. Control
 * characters are escaped; a line that is not JSON passes unchanged.
 *
 * @example
 * ```ts
 * formatLogLine('{"level":40,"time":0,"msg":"no secret key set"}\n'); // '01:00:00 WARN no secret key set\n' (at UTC+1)
 * ```
 */
export function formatLogLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toTimeString().slice(0, 8) : '--:--:--';
  const { method, url, statusCode, responseTime } = record;
  const request = typeof method === 'string' && typeof url === 'string' && typeof responseTime === 'number';
  const head = request
    ? `${method} ${url} ${String(statusCode)} ${milliseconds(responseTime)}`
    : `${LEVELS[Number(record.level)] ?? 'LOG'} ${stringField(record.msg)}`;
  const fields = Object.entries(record)
    .filter(([key]) => !SHOWN_ELSEWHERE.has(key) && !(request && REQUEST_FIELDS.has(key)))
    .map(([key, value]) => ` ${key}=${fieldValue(value)}`)
    .join('');
  return `${escapeControl(`${time} ${head}${fields}`)}${errorLines(record.err)}\n`;
}

/** A field pino wrote as a string, or nothing. */
function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A duration as people read it: `0.4 ms`, `21 ms`. */
function milliseconds(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A value bare when it is one word, quoted when it has spaces or quotes, JSON when it is an object. */
function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/** An error's stack (or its type and message), on lines of its own, indented. */
function errorLines(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const { type, message, stack } = err as { type?: unknown; message?: unknown; stack?: unknown };
  const text = typeof stack === 'string' ? stack : `${stringField(type) || 'Error'}: ${stringField(message)}`;
  return text
    .split('\n')
    .map((line) => `\n    ${escapeControl(line)}`)
    .join('');
}
