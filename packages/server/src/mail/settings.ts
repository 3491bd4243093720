/**
 * The mail settings, read with the rest of the configuration: where mail is
 * sent, whom it is from, and the base of every link it holds.
 */

export interface MailSettings {
  /** `smtp://` or `smtps://` with credentials; undefined writes each message to the log and `data/outbox/`. */
  readonly smtpUrl: string | undefined;
  /** The From header, e.g. `Example <no-reply@example.com>`. */
  readonly emailFrom: string;
  /** The base of every link in mail (the web app's origin, and its path if any), without a trailing slash. */
  readonly publicUrl: string;
  /** How long one wait on the SMTP server (connect, greeting, each reply) may take. */
  readonly smtpTimeoutSeconds: number;
  /**
   * `off`: addresses are not verified; `optional`: registration and address
   * changes send a verification mail; `required`: besides, an unverified user
   * cannot log in.
   */
  readonly emailVerification: EmailVerificationMode;
}

export const EMAIL_VERIFICATION_MODES = ['off', 'optional', 'required'] as const;
export type EmailVerificationMode = (typeof EMAIL_VERIFICATION_MODES)[number];

type Read = (name: string) => string | undefined;
type Integer = (name: string, fallback: number, min: number, max: number) => number;

/** `Name <local@domain>` or `local@domain`, no line breaks (a header). */
const FROM = /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

/**
 * Reads the mail settings; problems go to `problems`, each with how to fix it.
 * `TESSERA_PUBLIC_URL` is required where links leave the machine (production
 * with SMTP): it is never taken from a request's Host header, which a client chooses.
 */
export function parseMailSettings(
  read: Read,
  integer: Integer,
  problems: string[],
  { production, host, port }: { production: boolean; host: string; port: number },
): MailSettings {
  const smtpUrl = read('TESSERA_SMTP_URL');
  if (smtpUrl !== undefined && !isSmtpUrl(smtpUrl)) {
    problems.push(
      'TESSERA_SMTP_URL must be smtp:// or smtps:// with a host, e.g. smtps://user:password@smtp.example.com:465 ' +
        '(percent-encode @ : / in the user name and password).',
    );
  }
  const emailFrom = read('TESSERA_EMAIL_FROM') ?? 'tessera <no-reply@localhost>';
  if (!FROM.test(emailFrom)) {
    problems.push(
      `TESSERA_EMAIL_FROM=${JSON.stringify(emailFrom)} must be an address, e.g. no-reply@example.com or "Example <no-reply@example.com>".`,
    );
  } else if (smtpUrl !== undefined && read('TESSERA_EMAIL_FROM') === undefined) {
    problems.push('TESSERA_EMAIL_FROM is required with TESSERA_SMTP_URL, e.g. "Example <no-reply@example.com>".');
  }
  const rawPublicUrl = read('TESSERA_PUBLIC_URL');
  // Where `npm start` says it runs: the address listened on, or localhost for every interface.
  const listening = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  let publicUrl = `http://${listening}:${port}`;
  if (rawPublicUrl !== undefined) {
    const parsed = publicBase(rawPublicUrl);
    if (parsed === undefined) {
      problems.push(
        `TESSERA_PUBLIC_URL=${JSON.stringify(rawPublicUrl)} must be an http:// or https:// URL without query or fragment, e.g. https://auth.example.com.`,
      );
    } else publicUrl = parsed;
  } else if (production && smtpUrl !== undefined) {
    problems.push(
      'TESSERA_PUBLIC_URL is required when NODE_ENV=production and TESSERA_SMTP_URL is set: the links in mail start with it, e.g. https://auth.example.com.',
    );
  }
  const smtpTimeoutSeconds = integer('TESSERA_SMTP_TIMEOUT', 30, 1, 300);
  const mode = (read('TESSERA_EMAIL_VERIFICATION') ?? 'off').toLowerCase();
  const emailVerification = EMAIL_VERIFICATION_MODES.find((known) => known === mode);
  if (emailVerification === undefined) {
    problems.push(`TESSERA_EMAIL_VERIFICATION=${JSON.stringify(mode)} must be off, optional or required.`);
  }
  return { smtpUrl, emailFrom, publicUrl, smtpTimeoutSeconds, emailVerification: emailVerification ?? 'off' };
}

function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The URL without a trailing slash, or undefined when it cannot be a link's base. */
function publicBase(value: string): string | undefined {
  try {
    const url = new URL(value);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '')
      return undefined;
    if (url.username !== '' || url.password !== '') return undefined;
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}
