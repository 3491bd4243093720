/**
 * The primary of `tessera serve --workers N`: prepares the store once, forks
 * N workers that each run a full tessera on the same port and store, starts
 * again any that dies (see restart-policy.ts), holds the rate-limit counters
 * the workers share, serves their metrics together, and on SIGTERM or SIGINT
 * has every worker close gracefully before it exits.
 *
 * The port is shared the node:cluster way: the primary accepts connections
 * and hands them to the workers in turn (round-robin, Node's default except
 * on Windows). Not `reusePort`: Node 20 has none for net servers, and the
 * kernel's hash of SO_REUSEPORT spreads a few keep-alive connections unevenly,
 * where round-robin gives every worker its share. The primary's cost is per
 * connection, not per request.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createLocalCounter } from '../rate-limit/window-counter.js';
import { isMessage, type PrimaryMessage, type WorkerMessage } from './messages.js';
import { SCRAPE_TIMEOUT_MS, serveClusterMetrics, type WorkerMetrics } from './metrics.js';
import { createPrimaryLog } from './primary-log.js';
import { prepareForWorkers } from './prepare.js';
import { createRestartPolicy } from './restart-policy.js';

/** How long workers have to drain after a signal before they are killed (and the primary exits 1). */
export const DRAIN_TIMEOUT_MS = 30_000;

interface Running {
  slot: number;
  startedAt: number;
  listening: boolean;
}

/**
 * Runs the cluster until a signal ends it (resolves 0 once every worker has
 * exited) or every worker fails to start (resolves 1, having said why).
 *
 * @example
 * ```ts
 * process.exitCode = await runPrimary({ ...config, workers: 4 });
 * ```
 */
export async function runPrimary(config: Config, clock: Clock = systemClock): Promise<number> {
  const log = createPrimaryLog(config, process.stdout, clock);
  await prepareForWorkers(config, log, clock);
  const counter = createLocalCounter(clock);
  const policy = createRestartPolicy(config.workers);
  const running = new Map<Worker, Running>();
  const restarts = new Set<NodeJS.Timeout>();
  const scrapes = new Map<number, (text: string) => void>();
  let nextScrape = 1;
  let announced = false;
  let stopping = false;
  let metricsServer: Server | undefined;

  const send = (worker: Worker, message: PrimaryMessage) => {
    if (worker.isConnected()) worker.send(message);
  };
  const listeningCount = () => [...running.values()].filter((w) => w.listening).length;

  const onMessage = (worker: Worker, message: unknown) => {
    const state = running.get(worker);
    if (state === undefined) return;
    const typed = message as WorkerMessage;
    if (isMessage<WorkerMessage, 'listening'>(typed, 'listening')) {
      state.listening = true;
      policy.listened(state.slot);
      if (!announced && listeningCount() === config.workers) {
        announced = true;
        send(worker, { tessera: 'announce' });
        log.info(`${config.workers} workers serving`, { workers: config.workers });
      }
    } else if (isMessage<WorkerMessage, 'count'>(typed, 'count')) {
      // The counter answers at once: counts from every worker are serialized here.
      const { id } = typed;
      if (typed.op === 'hit') {
        void counter.hit(typed.key, typed.windowMs).then((hit) => send(worker, { tessera: 'counted', id, hit }));
      } else {
        void counter.refund(typed.key).then(() => send(worker, { tessera: 'counted', id }));
      }
    } else if (isMessage<WorkerMessage, 'metrics'>(typed, 'metrics')) {
      scrapes.get(typed.id)?.(typed.text);
    }
  };

  const fork = (slot: number) => {
    const worker = cluster.fork();
    running.set(worker, { slot, startedAt: clock.now(), listening: false });
    worker.on('message', (message: unknown) => onMessage(worker, message));
  };

  const collectMetrics = async (): Promise<WorkerMetrics[]> => {
    const serving = [...running].filter(([, state]) => state.listening);
    const answers = await Promise.all(
      serving.map(
        ([worker, { slot }]) =>
          new Promise<WorkerMetrics | undefined>((resolve) => {
            const id = nextScrape++;
            const timer = setTimeout(() => {
              scrapes.delete(id);
              resolve(undefined);
            }, SCRAPE_TIMEOUT_MS);
            scrapes.set(id, (text) => {
              clearTimeout(timer);
              scrapes.delete(id);
              resolve({ slot, text });
            });
            send(worker, { tessera: 'metrics', id });
          }),
      ),
    );
    return answers.filter((answer): answer is WorkerMetrics => answer !== undefined);
  };

  return new Promise<number>((resolve) => {
    let drainTimer: NodeJS.Timeout | undefined;
    /** What the primary exits with once every worker has exited. */
    let exitCode = 0;
    const finish = (code: number) => {
      clearTimeout(drainTimer);
      for (const timer of restarts) clearTimeout(timer);
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      cluster.removeAllListeners('exit');
      for (const signal of SIGNALS) process.removeListener(signal, onSignal);
      resolve(code);
    };
    const stopAll = (signal: NodeJS.Signals, code: number) => {
      stopping = true;
      exitCode = code;
      for (const timer of restarts) clearTimeout(timer);
      restarts.clear();
      if (running.size === 0) return finish(exitCode);
      for (const worker of running.keys()) worker.process.kill(signal);
      drainTimer = setTimeout(() => {
        log.error(`workers still running ${DRAIN_TIMEOUT_MS} ms after ${signal}; killing them`);
        for (const worker of running.keys()) worker.process.kill('SIGKILL');
        exitCode = 1;
      }, DRAIN_TIMEOUT_MS);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      log.info(`${signal} received, closing the workers`);
      stopAll(signal, 0);
    };
    for (const signal of SIGNALS) process.on(signal, onSignal);

    cluster.on('exit', (worker, code, signal) => {
      const state = running.get(worker);
      running.delete(worker);
      if (state === undefined) return;
      if (stopping) {
        // A worker that could not close cleanly makes the whole stop unclean.
        if (code !== 0 && signal === null) exitCode = 1;
        if (running.size === 0) finish(exitCode);
        return;
      }
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      const end = { listened: state.listening, upForMs: clock.now() - state.startedAt };
      const decision = policy.ended(state.slot, end, listeningCount());
      if (decision === 'give up') {
        log.error(`every worker exited before it listened (the last with ${how}; its error is above); stopping`, {
          worker: state.slot,
        });
        return stopAll('SIGTERM', 1);
      }
      log.warn(`worker ${state.slot} exited (${how}); starting another in ${decision} ms`, { worker: state.slot });
      const timer = setTimeout(() => {
        restarts.delete(timer);
        fork(state.slot);
      }, decision);
      restarts.add(timer);
    });

    const start = async () => {
      if (config.metricsPort !== undefined) {
        metricsServer = await serveClusterMetrics({ port: config.metricsPort, host: config.host }, collectMetrics);
        log.info(`metrics of every worker at http://${config.host}:${config.metricsPort}/metrics`);
      }
      for (let slot = 1; slot <= config.workers; slot++) fork(slot);
    };
    start().catch((error: unknown) => {
      log.error(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
      finish(1);
    });
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
