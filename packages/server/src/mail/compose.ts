import { composeResetMails, composeResetNotice, type ResetMailDeps } from '../auth/password-reset.js';
import type { MailKind, MailRecord } from '../store/types.js';
import type { OutgoingMail } from './layout.js';
import type { ComposeMail } from './outbox-worker.js';

/**
 * The messages each kind of outbox entry stands for, made when it is sent.
 * A `Record` over every kind: a new kind that is not composed fails to compile.
 */
export function createMailComposer(deps: ResetMailDeps): ComposeMail {
  const byKind: Record<MailKind, (entry: MailRecord) => Promise<OutgoingMail[]> | OutgoingMail[]> = {
    password_reset: (entry) => composeResetMails(deps, entry),
    password_reset_done: composeResetNotice,
  };
  return async (entry) => byKind[entry.kind](entry);
}
