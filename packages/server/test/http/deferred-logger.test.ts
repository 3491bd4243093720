import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { deferredChildLogger } from '../../src/http/deferred-logger.js';

/** Fastify with pino at `level`, writing into `lines`, with one route that logs at info and warn. */
async function appLoggingAt(level: string, lines: Record<string, unknown>[]) {
  const app = Fastify({
    logger: { level, stream: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } },
    childLoggerFactory: deferredChildLogger,
    disableRequestLogging: true,
  });
  app.get('/', (request) => {
    request.log.info({ step: 1 }, 'informing');
    request.log.child({ part: 'inner' }).warn('warning');
    return { level: request.log.level };
  });
  await app.ready();
  return app;
}

describe('deferredChildLogger', () => {
  it("writes exactly what pino's child would: the request id, the bindings, the message", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await appLoggingAt('info', lines);
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.json()).toEqual({ level: 'info' });
    expect(lines.map(({ reqId, step, part, msg, level }) => ({ reqId, step, part, msg, level }))).toEqual([
      { reqId: 'req-1', step: 1, part: undefined, msg: 'informing', level: 30 },
      { reqId: 'req-1', step: undefined, part: 'inner', msg: 'warning', level: 40 },
    ]);
    await app.close();
  });

  it('writes nothing below the level, and still writes what is above it', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await appLoggingAt('warn', lines);
    await app.inject({ method: 'GET', url: '/' });
    expect(lines.map(({ reqId, msg }) => ({ reqId, msg }))).toEqual([{ reqId: 'req-1', msg: 'warning' }]);
    await app.close();
  });

  it('makes no child of the parent until something is written', () => {
    const made: object[] = [];
    const written: unknown[][] = [];
    const child = { level: 'warn', warn: (...args: unknown[]) => written.push(args) } as unknown as FastifyBaseLogger;
    const parent = {
      level: 'warn',
      isLevelEnabled: (level: string) => level === 'warn' || level === 'error' || level === 'fatal',
      child: (bindings: object) => (made.push(bindings), child),
    } as unknown as FastifyBaseLogger;
    const logger = deferredChildLogger(parent, { reqId: 'req-7' }, {});
    logger.info('quiet');
    logger.debug('quiet');
    expect(made).toEqual([]);
    expect(logger.level).toBe('warn');
    logger.warn({ a: 1 }, 'loud');
    logger.warn('again');
    expect(made).toEqual([{ reqId: 'req-7' }]);
    expect(written).toEqual([[{ a: 1 }, 'loud'], ['again']]);
  });
});
