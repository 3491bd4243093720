// A kill -9 between a password reset request and its mail's sending loses no
// mail: `tessera serve` takes the request (200), starts sending to an SMTP
// server that accepts the connection and never answers, and is SIGKILLed
// mid-send. Restarted on the same database with a working SMTP server, it
// sends the mail once the dead instance's claim lapses, and its link works.
// Runs on a SQLite file and on a PostgreSQL database of its own, through the
// real CLI (`npm run build` first).
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { postJson } from '../support/post-json.js';
import { startTessera, type TesseraProcess } from '../support/processes.js';
import { resetTokenIn, startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { availableDialects } from '../support/stores.js';
import { createCrashDatabase, type CrashDatabase } from './database.js';

const PASSWORD = 'crash test password';
// One second a wait: the dead instance's claim lapses after five.
const MAIL = { TESSERA_EMAIL_FROM: 'no-reply@example.com', TESSERA_SMTP_TIMEOUT: '1' };

if (process.env.TESSERA_TEST_DIALECT !== 'postgres') {
  for (const dialect of availableDialects()) {
    describe(`mail across a crash on ${dialect}`, () => {
      const processes: TesseraProcess[] = [];
      let database: CrashDatabase | undefined;
      let silent: Server | undefined;
      let smtp: TestSmtp | undefined;

      afterAll(async () => {
        await Promise.all(processes.map((server) => server.kill()));
        await database?.drop();
        await smtp?.close();
        if (silent !== undefined) await new Promise((resolve) => silent?.close(resolve));
      });

      it('SIGKILL while the reset mail is being sent: the restarted server sends it, and its link works', async () => {
        database = await createCrashDatabase(dialect, inject('postgresUrl'), ['alice'], PASSWORD);
        const connected: Array<() => void> = [];
        const sockets: Array<{ destroy(): void }> = [];
        silent = createServer((socket) => {
          sockets.push(socket);
          for (const wake of connected.splice(0)) wake();
        });
        silent.listen(0, '127.0.0.1');
        await once(silent, 'listening');
        const silentUrl = `smtp://127.0.0.1:${(silent.address() as { port: number }).port}`;
        const sending = new Promise<void>((resolve) => connected.push(resolve));

        const first = await startTessera({
          databaseUrl: database.url,
          cwd: database.dir,
          env: { ...MAIL, TESSERA_SMTP_URL: silentUrl },
        });
        processes.push(first);
        const answer = await postJson(first.baseUrl, '/api/password/reset/', { email: 'alice@example.com' });
        expect(answer).toEqual({ status: 200, body: { detail: 'Password reset e-mail has been sent.' } });
        await sending;
        await first.kill();
        for (const socket of sockets) socket.destroy();

        smtp = await startTestSmtp();
        const second = await startTessera({
          databaseUrl: database.url,
          cwd: database.dir,
          env: { ...MAIL, TESSERA_SMTP_URL: smtp.url },
        });
        processes.push(second);
        const mail = await smtp.message(1, 20_000);
        const confirmed = await postJson(second.baseUrl, '/api/password/reset/confirm/', {
          token: resetTokenIn(mail),
          new_password: 'a brand new password',
        });
        expect(confirmed).toEqual({ status: 200, body: { detail: 'Password has been reset with the new password.' } });
        expect(smtp.messages.map((message) => message.subject)).toEqual(['Reset your password']);
      });
    });
  }
}
