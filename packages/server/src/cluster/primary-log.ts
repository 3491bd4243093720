/**
 * The primary's own log lines. The primary runs no Fastify app, so it writes
 * records of the shape pino writes for the workers (`level`, `time`, `pid`,
 * `msg`), through the same pretty formatter on a terminal: the log reads as
 * one log, and every JSON line still parses.
 */
import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { formatLogLine, prettyLogs, type LogOutput } from '../http/log-format.js';

export interface PrimaryLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** pino's numbers for the levels `LOG_LEVEL` names. */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

/**
 * @example
 * ```ts
 * const log = createPrimaryLog(config, process.stdout, systemClock);
 * log.warn('worker 2 exited; starting another in 250 ms', { code: 1 });
 * ```
 */
export function createPrimaryLog(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  out: LogOutput,
  clock: Clock,
): PrimaryLog {
  const threshold = LEVELS[config.logLevel] ?? LEVELS.info!;
  const pretty = prettyLogs(config, out);
  const host = hostname();
  const write =
    (level: number) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (level < threshold) return;
      const line = `${JSON.stringify({ level, time: clock.now(), pid: process.pid, hostname: host, role: 'primary', ...fields, msg: message })}\n`;
      out.write(pretty ? formatLogLine(line) : line);
    };
  return { info: write(30), warn: write(40), error: write(50) };
}
