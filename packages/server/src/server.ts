import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { WorkerLink } from './cluster/worker.js';
import type { Config } from './config.js';
import { buildApp } from './http/app.js';
import { renderMetrics } from './http/metrics.js';
import { listenForMetrics } from './http/metrics-listener.js';
import { prettyLogs } from './http/log-format.js';
import { installedWebApp, webAppServable } from './http/web-app.js';
import { ensureSecretKey } from './secret-key.js';
import { openStore } from './store/open.js';
import { openWhenReachable } from './store/open-when-reachable.js';
import { pruneStore } from './store/prune.js';
import type { Store } from './store/types.js';

/**
 * Opens the store (migrating it), builds the app and listens. The store is
 * closed with the app; SIGINT and SIGTERM close both gracefully. Metrics are
 * served on `config.metricsPort` (at the same host) when it is set. The web app
 * served is `config.webRoot` (`TESSERA_WEB_ROOT`), else the installed `@tessera/web`.
 *
 * As a worker of `tessera serve --workers N` (`worker` given), the primary has
 * already made the secret key and migrated the store and said so; it serves
 * the metrics of every worker and holds the rate-limit counters, and this
 * worker prints the banner only when the primary asks it to.
 */
export async function startServer(config: Config, worker?: WorkerLink): Promise<FastifyInstance> {
  const webRoot = config.webRoot ?? installedWebApp();
  const notices: string[] = [];
  const warnings: string[] = [];
  // The app's logger once there is an app; until then warnings wait in `warnings`.
  const late: { log?: FastifyBaseLogger } = {};
  const warn = (message: string) => (late.log === undefined ? warnings.push(message) : late.log.warn(message));
  const open = () =>
    openStore(config, {
      backgroundCheckpoints: true,
      onDirectoryCreated: (directory) => notices.push(databaseDirectoryCreated(directory)),
    });
  const store = await openWhenReachable(open, {
    onWaiting: (error, retryInMs) =>
      warn(`cannot reach the database (${causeOf(error)}); answering 503 and trying again in ${retryInMs} ms`),
    onOpen: () => late.log?.info('database reachable: serving'),
    onGiveUp(error) {
      late.log?.fatal({ err: error }, 'the database refused tessera; check DATABASE_URL');
      process.exit(1);
    },
  });
  const secretKey = ensureSecretKey(config, (message) => (worker === undefined ? warnings.push(message) : undefined));
  const app = await buildApp({
    config,
    secretKey,
    store,
    webRoot,
    ...(worker === undefined ? {} : { rateLimitCounter: worker.counter }),
  });
  late.log = app.log;
  app.addHook('onClose', () => store.close());
  if (worker !== undefined) app.addHook('onClose', () => worker.close());
  for (const notice of notices) app.log.info(notice);
  for (const warning of warnings) app.log.warn(warning);
  schedulePrune(app, store, config);
  if (worker !== undefined) worker.serveMetrics(() => renderMetrics(app.tessera.metrics));
  else if (config.metricsPort !== undefined) {
    const metricsUrl = await listenForMetrics(app, { port: config.metricsPort, host: config.host });
    app.log.info(`metrics at ${metricsUrl}/metrics`);
  }
  const address = await app.listen({ port: config.port, host: config.host });
  const web = webRoot !== undefined && webAppServable(config, webRoot);
  // Said wherever the server runs: Docker, systemd and CI show stdout too. Where
  // the log is JSON, the banner is JSON records as well, so every line parses.
  const nextSteps = banner(address, config, web, app.tessera.mail.description);
  const announce = () => {
    if (!web) app.log.info(webAppMissing(config));
    if (prettyLogs(config, process.stdout)) process.stdout.write(['', ...nextSteps, '', ''].join('\n'));
    else for (const line of nextSteps) app.log.info(line.trim());
  };
  if (worker === undefined) announce();
  else worker.listening(announce);
  closeOnSignals(app, worker !== undefined);
  // Instead of Node's default (print the stack, exit 1): the crash in the log, then every line written.
  process.once('uncaughtException', (error, origin) => {
    app.log.fatal({ err: error, origin }, 'uncaught exception: exiting');
    exitAfterLog(app.log, 1);
  });
  return app;
}

/**
 * SIGINT and SIGTERM close the app gracefully, then exit 0 once the log is
 * written. A single process listens once per signal, so that a second Ctrl-C
 * kills it (how a person insists); a worker ignores the second, since Ctrl-C
 * reaches it twice: from the terminal, and from the primary passing it on.
 */
function closeOnSignals(app: FastifyInstance, worker: boolean): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal} received, closing`);
    void app.close().then(() => exitAfterLog(app.log, 0));
  };
  for (const signal of SIGNALS) {
    if (worker) process.on(signal, onSignal);
    else process.once(signal, onSignal);
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The longest wait for the log's last write before exiting anyway. */
const LOG_FLUSH_TIMEOUT_MS = 2000;

/**
 * Exits with `code` once the log's lines are written. pino's asynchronous
 * destination writes its buffer synchronously on `exit`, but a write already
 * handed to the thread pool is not in it and would die with the process:
 * `flush` calls back when that write, and the buffer, are done.
 */
function exitAfterLog(log: FastifyBaseLogger, code: number): void {
  process.exitCode = code;
  const exit = () => process.exit(code);
  setTimeout(exit, LOG_FLUSH_TIMEOUT_MS).unref();
  const flush = (log as FastifyBaseLogger & { flush?: (done: () => void) => void }).flush;
  if (flush === undefined) exit();
  else flush.call(log, exit);
}

/** What to do next, once listening: the lines of the banner, indented for a terminal. */
function banner(address: string, config: Config, web: boolean, mail: string): string[] {
  const base = `${address}${config.pathPrefix}`;
  const signUp = config.registrationOpen ? `, or sign up at ${address}/register` : '';
  const lines = web
    ? [
        `  Open ${address}/ in your browser.`,
        `  No account yet? In another terminal, in this folder, run:`,
        `      npx tessera createuser --username alice`,
        `  then log in as alice at ${address}/login${signUp}.`,
      ]
    : [
        `  Log in:        POST ${base}/api/token/ {"username", "password"}`,
        `  First user:    npx tessera createuser --username alice   (in another terminal)`,
        `  Web app:       ${webAppMissing(config)}`,
      ];
  return [
    `  tessera is running at ${address}/`,
    `  API docs:      ${base}/api/docs/`,
    `  Sessions:      ${transport(config)}`,
    `  Mail:          ${mail}`,
    ...lines,
  ];
}

/** How tokens travel, said at start: a reload that logs the web app out should never be a surprise. */
function transport(config: Config): string {
  if (!config.cookieMode) return 'Bearer tokens only (TESSERA_COOKIE_MODE=off): browsers log in again after a reload';
  return config.cookieSecure
    ? 'HttpOnly Secure cookies with CSRF checks, and Bearer tokens'
    : 'HttpOnly cookies without Secure (TESSERA_COOKIE_SECURE=false: plain-http development), and Bearer tokens';
}

/** Said when opening the SQLite file made folders: a mistyped DATABASE_URL shows at once. */
function databaseDirectoryCreated(directory: string): string {
  return `created the directory ${directory} for the SQLite database`;
}

function webAppMissing(config: Config): string {
  return config.pathPrefix === ''
    ? 'not built: `npm start` builds it, or `npm run build:web`'
    : 'not served under TESSERA_PATH_PREFIX; serve apps/web/dist from your proxy';
}

/** Deletes expired refresh tokens and old audit entries now and then; every instance may, the delete is idempotent. */
function schedulePrune(app: FastifyInstance, store: Store, config: Config): void {
  const intervalSeconds = config.pruneIntervalSeconds;
  if (intervalSeconds === 0) return;
  const timer = setInterval(() => {
    pruneStore(store, config, Date.now()).then(
      (removed) => app.log.info({ removed }, 'pruned expired refresh tokens and old audit entries'),
      (error: unknown) => app.log.warn({ err: error }, 'prune failed; will retry'),
    );
  }, intervalSeconds * 1000);
  timer.unref();
  app.addHook('onClose', () => clearInterval(timer));
}

function causeOf(error: Error): string {
  return error.cause instanceof Error ? error.cause.message : String(error.cause);
}
