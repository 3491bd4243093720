import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import type { MailSettings } from './settings.js';
import type { OutgoingMail } from './layout.js';

/** Where messages go: an SMTP server, or (without one) the log and a folder of .eml files. */
export interface MailTransport {
  /** What the start-up banner says about mail. */
  readonly description: string;
  /** Resolves once the message is accepted (by the SMTP server, or written); rejects on any failure. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface TransportOptions {
  /** Where messages are written without SMTP. */
  outboxDirectory: string;
  /** Told of each message written without SMTP, so that a developer can follow its link from the log. */
  onWritten: (file: string, mail: OutgoingMail) => void;
}

/**
 * nodemailer over `TESSERA_SMTP_URL`, each wait bounded by
 * `TESSERA_SMTP_TIMEOUT` (a connection that timed out is closed, never
 * reused: one connection per message); without it, the same RFC 5322
 * message written to `outboxDirectory` as an .eml file.
 */
export function createMailTransport(settings: MailSettings, options: TransportOptions): MailTransport {
  const from = settings.emailFrom;
  if (settings.smtpUrl === undefined) return fileTransport(from, options);
  const timeoutMs = settings.smtpTimeoutSeconds * 1000;
  const smtp = lazyTransporter({
    url: settings.smtpUrl,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    // A second longer than the others, so that a server that never speaks is reported as such
    // ("Greeting never received"), not as a bare "Timeout" when both timers fire together.
    socketTimeout: timeoutMs + 1000,
    dnsTimeout: timeoutMs,
    // smtp:// upgrades with STARTTLS when the server offers it.
    opportunisticTLS: true,
  });
  const { host, port, protocol } = new URL(settings.smtpUrl);
  return {
    description: `SMTP ${protocol === 'smtps:' ? 'over TLS ' : ''}at ${host}${port === '' ? '' : `:${port}`}`,
    async send(mail) {
      await (await smtp.get()).sendMail({ from, ...mail });
    },
    close: () => smtp.close(),
  };
}

/**
 * A nodemailer transporter made on first use: nodemailer is about a hundred
 * modules and several MiB of memory that a server sending no mail (most of
 * the time, every server) need not load at start.
 */
function lazyTransporter(options: object): { get(): Promise<Transporter>; close(): void } {
  let made: Promise<Transporter> | undefined;
  let closed = false;
  return {
    get: () => (made ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(options))),
    close() {
      if (closed) return;
      closed = true;
      void made?.then((transporter) => transporter.close());
    },
  };
}

function fileTransport(from: string, { outboxDirectory, onWritten }: TransportOptions): MailTransport {
  const composer = lazyTransporter({ streamTransport: true, buffer: true, newline: 'unix' });
  let sequence = 0;
  return {
    description: `not sent (TESSERA_SMTP_URL is unset): each message is logged and written to ${outboxDirectory}/`,
    async send(mail) {
      // A stream transport with `buffer: true` answers the whole message as a Buffer.
      const { message } = (await (await composer.get()).sendMail({ from, ...mail })) as { message: Buffer };
      await mkdir(outboxDirectory, { recursive: true });
      sequence += 1;
      const file = join(
        outboxDirectory,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${sequence}.eml`,
      );
      await writeFile(file, message, { mode: 0o600 });
      onWritten(file, mail);
    },
    close: () => composer.close(),
  };
}
