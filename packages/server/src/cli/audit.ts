import { parseArgs } from 'node:util';
import { parseTime } from '../clock.js';
import type { Config } from '../config.js';
import { AUDIT_EVENTS, type AuditEvent } from '../auth/events.js';
import type { AuditQuery } from '../store/types.js';
import { isoTime, printTable, quote, withStore } from './common.js';
import { CliError, type Io } from './io.js';

/** `tessera audit [--user U] [--event E] [--since T] [--limit N]`: security events, newest first. */
export async function listAudit(config: Config, io: Io, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      user: { type: 'string' },
      event: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string', default: '100' },
    },
  });
  const limit = /^[1-9]\d{0,5}$/.test(values.limit) ? Number(values.limit) : undefined;
  if (limit === undefined) throw new CliError(`--limit ${quote(values.limit)} must be a whole number from 1`);
  const query: AuditQuery = { offset: 0, limit };
  if (values.event !== undefined) {
    if (!(AUDIT_EVENTS as readonly string[]).includes(values.event)) {
      throw new CliError(`unknown event ${quote(values.event)}; choose from ${AUDIT_EVENTS.join(', ')}`);
    }
    query.event = values.event as AuditEvent;
  }
  if (values.since !== undefined) {
    const since = parseTime(values.since);
    if (since === undefined)
      throw new CliError(`--since ${quote(values.since)} is not a time: use ISO 8601, e.g. 2026-11-24T12:00Z`);
    query.since = since;
  }
  await withStore(config, io, async (store) => {
    if (values.user !== undefined) {
      const user = await store.findUserByUsername(values.user);
      query.user = { id: user?.id, username: values.user };
    }
    const { count, records } = await store.listAudit(query);
    printTable(io, [
      ['TIME', 'EVENT', 'USER', 'SESSION', 'IP', 'DETAILS', 'USER AGENT'],
      ...records.map((record) => [
        isoTime(record.at),
        record.event,
        record.username || (record.userId === null ? '-' : `#${record.userId}`),
        record.sessionId ?? '-',
        record.ip || '-',
        Object.entries(record.details)
          .map(([key, value]) => `${key}=${String(value)}`)
          .join(' ') || '-',
        record.userAgent.slice(0, 60) || '-',
      ]),
    ]);
    if (count > records.length) io.stdout.write(`(${records.length} of ${count}; --limit shows more)\n`);
  });
}
