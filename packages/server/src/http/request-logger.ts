/**
 * Each request's logger, made only when something logs through it.
 *
 * Fastify gives every request a pino child bound to its `reqId`: an object
 * and a serialised binding per request, at every log level, though most
 * requests log nothing but their access line — which {@link AccessLog}
 * writes through the parent with the same `reqId`, byte for byte what the
 * child would have written.
 */

import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, LogFn, Logger } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** A request's logger: its parent and `reqId` until a record needs the real child, made once. */
export class RequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    readonly parent: FastifyBaseLogger,
    readonly bindings: Bindings,
  ) {}

  /** Whether a record was written through the real child. */
  get made(): boolean {
    return this.#child !== undefined;
  }

  get level(): string {
    return (this.#child ?? this.parent).level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  /** pino's, for {@link AccessLog}: the parent's, which is the child's while no level of its own was set. */
  isLevelEnabled(level: string): boolean {
    const logger = (this.#child ?? this.parent) as FastifyBaseLogger & Partial<Pick<Logger, 'isLevelEnabled'>>;
    return logger.isLevelEnabled?.(level) !== false;
  }

  // Defined once on the prototype, below: a request must not pay for seven closures.
  declare readonly fatal: LogFn;
  declare readonly error: LogFn;
  declare readonly warn: LogFn;
  declare readonly info: LogFn;
  declare readonly debug: LogFn;
  declare readonly trace: LogFn;
  declare readonly silent: LogFn;

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }

  /** @internal the child Fastify would have made. */
  real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings);
    return this.#child;
  }
}

for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) {
  Object.defineProperty(RequestLogger.prototype, level, { value: logThrough(level), writable: true });
}

function logThrough(level: Level): LogFn {
  return function (this: RequestLogger, ...args: Parameters<LogFn>) {
    this.real()[level](...args);
  };
}

/**
 * Fastify's `childLoggerFactory`: a {@link RequestLogger}, or pino's child
 * at once for a route with a log level or serializers of its own (the only
 * options Fastify passes).
 */
export const lazyRequestLoggers: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) =>
  options.level === undefined && options.serializers === undefined
    ? new RequestLogger(logger, bindings)
    : logger.child(bindings, options);
