/**
 * How the server's log reads. JSON lines are for machines (log shippers, the
 * bench) and stay the default wherever stdout is not a terminal; on a
 * terminal, or with `LOG_FORMAT=pretty`, each request is one short line a
 * person can follow: `12:04:05 POST /api/token/ 200 21 ms`.
 */

import { LogController, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';
import { escapeControl } from '../terminal-text.js';

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
 * or, when {@link prettyLogs}, one formatted line per record and per request.
 *
 * @example
 * ```ts
 * const app = Fastify({ ...appLogging(config, process.stdout) });
 * ```
 */
export function appLogging(
  config: Pick<Config, 'logFormat' | 'logLevel'>,
  out: LogOutput,
): Pick<FastifyServerOptions, 'logger' | 'logController'> {
  if (!prettyLogs(config, out)) {
    return { logger: out === process.stdout ? { level: config.logLevel } : { level: config.logLevel, stream: out } };
  }
  return {
    logger: { level: config.logLevel, stream: { write: (line: string) => out.write(formatLogLine(line)) } },
    logController: new OneLinePerRequest(),
  };
}

/**
 * Fastify logs each request twice ("incoming request", then "request
 * completed", which names neither the method nor the path). Pretty logs
 * need one line that says it all, so the request is logged once, when its
 * answer is sent.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(...[error, request, reply]: Parameters<LogController['requestCompleted']>): void {
    const fields = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Pino's own fields, and those the line shows in its own place. */
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'err', 'security_event']);
const REQUEST_FIELDS = new Set(['method', 'url', 'statusCode', 'responseTime']);

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
