import { composeEmailChangeNotice, composeResendMails, composeVerifyMail } from '../auth/email-verification.js';
import { composeResetMails, composeResetNotice, type ResetMailDeps } from '../auth/password-reset.js';
import type { MailKind, MailRecord, Store } from '../store/types.js';
import type { OutgoingMail } from './layout.js';
import type { ComposeMail } from './outbox-worker.js';

export interface ComposerDeps extends ResetMailDeps {
  store: ResetMailDeps['store'] &
    Pick<Store, 'findUserById' | 'findUsersAwaitingVerification' | 'issueEmailVerification'>;
}

/**
 * The messages each kind of outbox entry stands for, made when it is sent.
 * A `Record` over every kind: a new kind that is not composed fails to compile.
 */
export function createMailComposer(deps: ComposerDeps): ComposeMail {
  const byKind: Record<MailKind, (entry: MailRecord) => Promise<OutgoingMail[]> | OutgoingMail[]> = {
    password_reset: (entry) => composeResetMails(deps, entry),
    password_reset_done: composeResetNotice,
    verify_email: (entry) => composeVerifyMail(deps, entry),
    verify_email_resend: (entry) => composeResendMails(deps, entry),
    email_change_notice: composeEmailChangeNotice,
  };
  return async (entry) => byKind[entry.kind](entry);
}
