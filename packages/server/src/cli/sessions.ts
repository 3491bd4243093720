import { parseArgs } from 'node:util';
import { CLI_CLIENT, auditEntry } from '../auth/audit.js';
import type { Config } from '../config.js';
import { CliError, type Io } from './io.js';
import { isoTime, printTable, quote, requireUser, withStore } from './common.js';

/**
 * `tessera sessions USERNAME [--all]`: the user's live sessions (with --all,
 * ended ones too), and which are device-bound (DPoP: refreshed only with
 * the key of the device that logged in).
 */
export async function listSessions(config: Config, io: Io, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { all: { type: 'boolean', default: false } },
  });
  await withStore(config, io, async (store) => {
    const user = await requireUser(store, positionals, 'sessions');
    const sessions = await store.listSessions(user.id, { includeRevoked: values.all });
    if (sessions.length === 0) {
      // A header alone reads like output that went missing.
      io.stdout.write(`${quote(user.username)} has no ${values.all ? '' : 'live '}sessions.\n`);
      return;
    }
    printTable(io, [
      ['SESSION', 'CREATED', 'LAST USED', 'IP', 'STATE', 'BOUND', 'USER AGENT'],
      ...sessions.map((session) => [
        session.id,
        isoTime(session.createdAt),
        isoTime(session.lastUsedAt),
        session.ip || '-',
        session.revokedAt === null ? 'live' : `ended (${session.revokeReason ?? 'revoked'})`,
        session.dpopJkt === null ? 'no' : 'yes',
        session.userAgent.slice(0, 60) || '-',
      ]),
    ]);
  });
}

/** `tessera revoke USERNAME [--session ID]`: ends one session, or every session, of the user. */
export async function revokeSessions(config: Config, io: Io, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { session: { type: 'string' } },
  });
  await withStore(config, io, async (store) => {
    const user = await requireUser(store, positionals, 'revoke');
    const now = Date.now();
    const fields = { userId: user.id, username: user.username, details: { via: 'cli' } };
    if (values.session === undefined) {
      const audit = auditEntry('revoke_all', CLI_CLIENT, now, fields);
      const count = await store.revokeUserSessions(user.id, now, 'admin', undefined, audit);
      io.stdout.write(`Ended ${count} sessions of "${user.username}".\n`);
      return;
    }
    const live = await store.listSessions(user.id);
    if (!live.some((session) => session.id === values.session)) {
      throw new CliError(`"${user.username}" has no live session ${quote(values.session)}`);
    }
    const audit = auditEntry('session_revoked', CLI_CLIENT, now, { ...fields, sessionId: values.session });
    await store.revokeSession(values.session, now, 'admin', audit);
    io.stdout.write(`Ended session ${values.session} of "${user.username}".\n`);
  });
}
