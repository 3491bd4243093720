import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { parseWorkerCount } from '../cluster/settings.js';
import { ConfigError, type Config } from '../config.js';

/**
 * `tessera serve [--workers N|auto]`: one process (the default), or a
 * node:cluster primary and N workers (`--workers`, else `TESSERA_WORKERS`).
 * A worker, forked with the primary's arguments, lands here too and serves.
 * Resolves once serving (a single process or a worker) with 0, or, for the
 * primary, with its exit status once the cluster has stopped.
 *
 * @example
 * ```ts
 * process.exitCode = await serve(resolveConfig(process.env), ['--workers', 'auto']);
 * ```
 */
export async function serve(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { workers: { type: 'string' } } });
  const problems: string[] = [];
  const workers =
    values.workers === undefined ? config.workers : parseWorkerCount(values.workers, problems, '--workers');
  if (workers > 1 && config.database.kind === 'sqlite' && config.database.path === ':memory:') {
    problems.push(
      `${values.workers === undefined ? 'TESSERA_WORKERS' : '--workers'} needs a database the workers share: with ` +
        'DATABASE_URL=sqlite::memory: each would have its own. Use a SQLite file or PostgreSQL, or one worker.',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // Loaded only here: Fastify and its plugins would slow every other command's start.
  if (cluster.isWorker) return serveAsWorker(config);
  if (workers === 1) {
    await (await import('../server.js')).startServer(config);
    return 0;
  }
  return (await import('../cluster/primary.js')).runPrimary({ ...config, workers });
}

async function serveAsWorker(config: Config): Promise<number> {
  const [{ startServer }, { connectToPrimary }] = await Promise.all([
    import('../server.js'),
    import('../cluster/worker.js'),
  ]);
  const link = connectToPrimary();
  try {
    await startServer(config, link);
    return 0;
  } catch (error) {
    // The channel to the primary would keep this process alive; the caller reports the error, then it exits.
    link.close();
    setImmediate(() => process.exit(1));
    throw error;
  }
}
