/**
 * Verified addresses (`TESSERA_EMAIL_VERIFICATION`): a token is mailed to
 * the address it verifies, made when the mail is sent (as reset tokens are,
 * see ./mail-token.ts), and works once within three days while that address
 * is still the one awaiting verification. A change of address waits in
 * `pendingEmail`; the old address is kept, and told, until the new one is verified.
 */
import type { Clock } from '../clock.js';
import { renderMail, type OutgoingMail } from '../mail/layout.js';
import type { EmailVerificationRecord, MailRecord, NewMail, Store, UserRecord } from '../store/types.js';
import { newMailToken } from './mail-token.js';

/** How long a verification link works: django-allauth's default. */
export const VERIFY_TOKEN_TTL_MS = 3 * 86_400_000;
/** The web app's page a verification link opens. */
export const VERIFY_PAGE = '/verify-email';

/** The address `user` is waiting to have verified, or undefined when none. */
export function addressAwaitingVerification(user: Pick<UserRecord, 'email' | 'emailVerified' | 'pendingEmail'>) {
  if (user.pendingEmail !== '') return user.pendingEmail;
  return user.email !== '' && !user.emailVerified ? user.email : undefined;
}

/** Why a token cannot be used, or undefined when it can, for `user` as stored now. */
export function verificationProblem(
  verification: EmailVerificationRecord,
  user: UserRecord | undefined,
  now: number,
): 'verify_token_invalid' | 'verify_token_expired' | 'verify_token_used' | 'verify_token_stale' | undefined {
  if (user === undefined || !user.isActive) return 'verify_token_invalid';
  if (verification.usedAt !== null) return 'verify_token_used';
  if (now >= verification.expiresAt) return 'verify_token_expired';
  if (addressAwaitingVerification(user) !== verification.email) return 'verify_token_stale';
  return undefined;
}

/** The outbox entry asking `email` to be verified for a user (`userId` is filled in when the user is created). */
export function verifyMail(email: string, now: number, userId?: number): NewMail {
  return { kind: 'verify_email', recipient: email, payload: userId === undefined ? {} : { userId }, createdAt: now };
}

/** The outbox entry of a resend request: looked up when sent, so that it costs the same for every address. */
export function resendMail(email: string, client: { ip: string; userAgent: string }, now: number): NewMail {
  return {
    kind: 'verify_email_resend',
    recipient: email,
    payload: { ip: client.ip, userAgent: client.userAgent },
    createdAt: now,
  };
}

/** The notice to the old address of a change. */
export function emailChangeNoticeMail(user: Pick<UserRecord, 'username' | 'email'>, now: number): NewMail {
  return { kind: 'email_change_notice', recipient: user.email, payload: { username: user.username }, createdAt: now };
}

export interface VerifyMailDeps {
  store: Pick<Store, 'findUserById' | 'findUsersAwaitingVerification' | 'issueEmailVerification'>;
  clock: Clock;
  publicUrl: string;
}

/** The verification mail of a `verify_email` entry: none when its address no longer awaits verification. */
export async function composeVerifyMail(deps: VerifyMailDeps, entry: MailRecord): Promise<OutgoingMail[]> {
  const user = await deps.store.findUserById(Number(entry.payload.userId));
  if (user === undefined || !user.isActive || addressAwaitingVerification(user) !== entry.recipient) return [];
  return [await verificationFor(deps, user, entry.recipient)];
}

/** The verification mails of a resend: one per active account awaiting verification of the address. */
export async function composeResendMails(deps: VerifyMailDeps, entry: MailRecord): Promise<OutgoingMail[]> {
  const users = await deps.store.findUsersAwaitingVerification(entry.recipient);
  const mails: OutgoingMail[] = [];
  for (const user of users) {
    const address = addressAwaitingVerification(user);
    if (address !== undefined) mails.push(await verificationFor(deps, user, address));
  }
  return mails;
}

async function verificationFor({ store, clock, publicUrl }: VerifyMailDeps, user: UserRecord, email: string) {
  const { token, tokenHash } = newMailToken();
  const now = clock.now();
  await store.issueEmailVerification({
    tokenHash,
    userId: user.id,
    email,
    createdAt: now,
    expiresAt: now + VERIFY_TOKEN_TTL_MS,
  });
  return renderMail(email, {
    subject: 'Verify your e-mail address',
    heading: 'Verify your e-mail address',
    paragraphs: [
      `Confirm that ${email} is the address of the account ${user.username}. The link works for three days.`,
      'If you did not ask for this, ignore this message.',
    ],
    action: { label: 'Verify my address', url: `${publicUrl}${VERIFY_PAGE}?token=${encodeURIComponent(token)}` },
    code: { label: 'Or enter this code on the verification page', value: token },
  });
}

/** The notice of an address change, to the old address. */
export function composeEmailChangeNotice(entry: MailRecord): OutgoingMail[] {
  const username = String(entry.payload.username ?? '');
  return [
    renderMail(entry.recipient, {
      subject: 'Your e-mail address is changing',
      heading: 'Your e-mail address is changing',
      paragraphs: [
        `Someone asked to change the e-mail address of the account ${username} from this one to another. ` +
          'This address stays the account’s until the new one is verified.',
        'If it was not you, change your password now and tell your administrator.',
      ],
    }),
  ];
}
