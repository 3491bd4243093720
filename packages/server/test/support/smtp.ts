// A real SMTP server in the test process (smtp-server, from nodemailer's author),
// and what arrived, parsed by mailparser: tests read links out of real mail.
import { once } from 'node:events';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.js';

export interface TestSmtp {
  /** `smtp://127.0.0.1:PORT`, for TESSERA_SMTP_URL. */
  readonly url: string;
  readonly port: number;
  /** Every message accepted so far, in order. */
  readonly messages: ParsedMail[];
  /** Resolves with the `count`-th message (1-based) once it has arrived; fails after `ms`. */
  message(count: number, ms?: number): Promise<ParsedMail>;
  /** While true, every connection is refused with 421 (the server is there but will not take mail). */
  refusing: boolean;
  close(): Promise<void>;
}

/**
 * Listens on `port` (a free one by default) at 127.0.0.1, without TLS or
 * authentication, and keeps what it accepts.
 *
 * @example
 * ```ts
 * const smtp = await startTestSmtp();
 * // TESSERA_SMTP_URL: smtp.url
 * const mail = await smtp.message(1);
 * mail.text; // the plain-text body
 * ```
 */
export async function startTestSmtp(port?: number): Promise<TestSmtp> {
  const messages: ParsedMail[] = [];
  const waiters: Array<() => void> = [];
  const state = { refusing: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, callback) {
      if (!state.refusing) return callback();
      const refusal = Object.assign(new Error('Service not available, try again later'), { responseCode: 421 });
      return callback(refusal);
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          messages.push(parsed);
          for (const wake of waiters.splice(0)) wake();
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  const listenPort = port ?? (await freePort());
  server.listen(listenPort, '127.0.0.1');
  await once(server.server, 'listening');
  return {
    url: `smtp://127.0.0.1:${listenPort}`,
    port: listenPort,
    messages,
    get refusing() {
      return state.refusing;
    },
    set refusing(value: boolean) {
      state.refusing = value;
    },
    async message(count, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${messages.length} messages arrived, not ${count}, within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages[count - 1] as ParsedMail;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The token of the reset link in a message's plain-text body. */
export function resetTokenIn(mail: ParsedMail): string {
  const match = /\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '');
  if (match?.[1] === undefined) throw new Error(`no reset link in: ${mail.text ?? ''}`);
  return match[1];
}
