/**
 * Forgotten passwords: a reset token is 256 random bits, mailed once and
 * stored only as its SHA-256, and bound to the password hash and address the
 * account had when it was made, so a password or e-mail change kills it.
 * It is made when the mail is sent, not when it is asked for: the request
 * costs the same for every address, and no usable secret waits in the outbox.
 */
import type { Clock } from '../clock.js';
import { renderMail, type OutgoingMail } from '../mail/layout.js';
import type { MailRecord, NewMail, PasswordResetRecord, Store, UserRecord } from '../store/types.js';
import { auditEntry } from './audit.js';
import { newMailToken, sha256 } from './mail-token.js';

/** How long a reset link works. */
export const RESET_TOKEN_TTL_MS = 30 * 60 * 1000;
/** The web app's page a reset link opens. */
export const RESET_PAGE = '/reset-password';

/** What a token is bound to: the password hash and the address (compared case-insensitively) at issue. */
export function resetBinding(user: Pick<UserRecord, 'passwordHash' | 'email'>): string {
  return sha256(`${user.passwordHash}\n${user.email.toLowerCase()}`);
}

/** Why a token cannot be used, or undefined when it can, for `user` as stored now. */
export function resetTokenProblem(
  reset: PasswordResetRecord,
  user: UserRecord | undefined,
  now: number,
): 'reset_token_invalid' | 'reset_token_expired' | 'reset_token_used' | 'reset_token_stale' | undefined {
  if (user === undefined || !user.isActive) return 'reset_token_invalid';
  if (reset.usedAt !== null) return 'reset_token_used';
  if (now >= reset.expiresAt) return 'reset_token_expired';
  if (reset.binding !== resetBinding(user)) return 'reset_token_stale';
  return undefined;
}

/** The outbox entry of a reset request: the address as typed, and the client, for the audit entry. */
export function resetRequestMail(email: string, client: { ip: string; userAgent: string }, now: number): NewMail {
  return {
    kind: 'password_reset',
    recipient: email,
    payload: { ip: client.ip, userAgent: client.userAgent },
    createdAt: now,
  };
}

/** The notice a reset sends to the account's address. */
export function resetNoticeMail(user: Pick<UserRecord, 'username' | 'email'>, now: number): NewMail {
  return { kind: 'password_reset_done', recipient: user.email, payload: { username: user.username }, createdAt: now };
}

export interface ResetMailDeps {
  store: Pick<Store, 'findActiveUsersByEmail' | 'issuePasswordReset'>;
  clock: Clock;
  /** `TESSERA_PUBLIC_URL`: the base of the link. */
  publicUrl: string;
}

/**
 * The reset mails for one request: one per active account with that address
 * and a usable password (as Django's PasswordResetForm), each with a new
 * token recorded with its `password_reset_requested` audit entry. None for
 * an address no such account has.
 */
export async function composeResetMails(
  { store, clock, publicUrl }: ResetMailDeps,
  entry: MailRecord,
): Promise<OutgoingMail[]> {
  const users = (await store.findActiveUsersByEmail(entry.recipient)).filter(
    (user) => !user.passwordHash.startsWith('!'),
  );
  const mails: OutgoingMail[] = [];
  for (const user of users) {
    const { token, tokenHash } = newMailToken();
    const now = clock.now();
    const client = { ip: String(entry.payload.ip ?? ''), userAgent: String(entry.payload.userAgent ?? '') };
    await store.issuePasswordReset(
      {
        tokenHash,
        userId: user.id,
        binding: resetBinding(user),
        createdAt: now,
        expiresAt: now + RESET_TOKEN_TTL_MS,
      },
      auditEntry('password_reset_requested', client, now, { userId: user.id, username: user.username }),
    );
    const link = `${publicUrl}${RESET_PAGE}?token=${encodeURIComponent(token)}`;
    mails.push(
      renderMail(user.email, {
        subject: 'Reset your password',
        heading: 'Reset your password',
        paragraphs: [
          `Someone asked to reset the password of the account ${user.username}. If it was you, choose a new password within 30 minutes.`,
          'If it was not you, ignore this message: your password stays as it is.',
        ],
        action: { label: 'Choose a new password', url: link },
        code: { label: 'Or enter this code on the reset page', value: token },
        footer: 'The link works once. Changing your password or e-mail address cancels it.',
      }),
    );
  }
  return mails;
}

/** The notice of a reset, from its outbox entry. */
export function composeResetNotice(entry: MailRecord): OutgoingMail[] {
  const username = String(entry.payload.username ?? '');
  return [
    renderMail(entry.recipient, {
      subject: 'Your password was reset',
      heading: 'Your password was reset',
      paragraphs: [
        `The password of the account ${username} was just reset, and every session of it was logged out.`,
        'If you did not do this, reset your password again at once and tell your administrator.',
      ],
    }),
  ];
}
