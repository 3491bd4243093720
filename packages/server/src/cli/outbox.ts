import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { isoTime, printTable, withStore } from './common.js';
import { CliError, type Io } from './io.js';

const DEFAULT_LIMIT = 100;

/**
 * `tessera outbox [--retry] [--limit N]`: the mail not sent yet, pending
 * (with its next attempt) and failed (after every retry), oldest first.
 * `--retry` makes the failed ones pending again first: for after an SMTP
 * outage longer than the retries.
 */
export async function listOutbox(config: Config, io: Io, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { retry: { type: 'boolean', default: false }, limit: { type: 'string' } },
  });
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new CliError('--limit must be a whole number from 1 up');
  const { requeued, mail } = await withStore(config, io, async (store) => ({
    requeued: values.retry ? await store.requeueFailedMail(Date.now()) : 0,
    mail: await store.listMail(['pending', 'failed'], limit),
  }));
  if (values.retry) io.stdout.write(`Queued ${requeued} failed messages again.\n`);
  if (mail.length === 0) {
    io.stdout.write('The outbox is empty: every message was sent.\n');
    return;
  }
  printTable(io, [
    ['ID', 'KIND', 'TO', 'STATUS', 'ATTEMPTS', 'CREATED', 'NEXT ATTEMPT', 'LAST ERROR'],
    ...mail.map((message) => [
      String(message.id),
      message.kind,
      message.recipient,
      message.status,
      String(message.attempts),
      isoTime(message.createdAt),
      message.status === 'pending' ? isoTime(message.nextAttemptAt) : '-',
      message.lastError ?? '-',
    ]),
  ]);
}
