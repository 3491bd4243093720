import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Store } from '../store/types.js';
import { createMailComposer } from './compose.js';
import { createOutboxWorker, type OutboxWorker } from './outbox-worker.js';
import { createMailTransport } from './transport.js';

/** The outbox's sender and where it sends: what the plugin starts and the banner describes. */
export interface Mailer extends OutboxWorker {
  /** Where mail goes, for the start-up banner. */
  readonly description: string;
}

export interface MailerOptions {
  config: Config;
  store: Store;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Where mail is written without SMTP; `data/outbox` in the working directory by default (said so in the banner). */
  outboxDirectory?: string | undefined;
}

/**
 * The transport `TESSERA_SMTP_URL` names (or the .eml folder) and the
 * outbox worker over it. A claim on a message lasts five SMTP timeouts:
 * connecting, the greeting and the commands of one message each get one.
 */
export function createMailer({ config, store, clock, log, outboxDirectory }: MailerOptions): Mailer {
  const transport = createMailTransport(config, {
    outboxDirectory: outboxDirectory ?? 'data/outbox',
    onWritten: (file, mail) =>
      log.info({ file, to: mail.to, subject: mail.subject, text: mail.text }, `mail written to ${file} (no SMTP)`),
  });
  const worker = createOutboxWorker({
    store,
    transport,
    clock,
    log,
    compose: createMailComposer({ store, clock, publicUrl: config.publicUrl }),
    leaseMs: config.smtpTimeoutSeconds * 5000,
  });
  return {
    ...worker,
    description: transport.description,
    async stop() {
      await worker.stop();
      transport.close();
    },
  };
}
