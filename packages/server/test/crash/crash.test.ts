// Crash consistency: `tessera serve` is SIGKILLed in the middle of a load of
// logins, rotations, logouts and blacklists, restarted on the same database,
// and must then honour every outcome it acknowledged before dying (a 2xx
// received in full): rotated tokens stay rotated, revoked sessions stay
// revoked (their access tokens too), and live sessions stay live. Requests
// that got no answer may have gone either way; their sessions are left out
// of the live check. Runs on a SQLite file and on a PostgreSQL database of
// its own, through the real CLI (`npm run build` first).
import { afterAll, describe, expect, inject, it } from 'vitest';
import { availableDialects } from '../support/stores.js';
import { createCrashDatabase, type CrashDatabase } from './database.js';
import { runLoadUntilKilled, type Ledger } from './load.js';
import { startTessera, type TesseraProcess } from '../support/processes.js';
import { verifyLedger } from './verify.js';

const USERNAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const PASSWORD = 'crash test password';
const WORKERS = 12;
/** The load runs at least this long before the kill... */
const KILL_NOT_BEFORE_MS = 1500;
/** ...and until every kind of outcome has been acknowledged a few times (or this long). */
const KILL_BY_MS = 8000;
// No grace window: any rotated token presented again must be refused, so the verifier can check every one.
const STRICT = { TESSERA_REFRESH_GRACE_SECONDS: '0' };
const MINIMUM = { rotations: 20, logouts: 3, blacklists: 3, settledLive: 5 };

/** Time to kill: the load has run a while and acknowledged enough of everything. */
function killWhen(ledger: Ledger, elapsedMs: number): boolean {
  if (elapsedMs >= KILL_BY_MS) return true;
  if (elapsedMs < KILL_NOT_BEFORE_MS) return false;
  const settledLive = ledger.chains.filter((chain) => chain.settled && chain.unknown === undefined).length;
  return (
    ledger.acknowledged.refresh >= MINIMUM.rotations &&
    ledger.acknowledged.logout >= MINIMUM.logouts &&
    ledger.acknowledged.blacklist >= MINIMUM.blacklists &&
    settledLive >= MINIMUM.settledLive
  );
}

if (process.env.TESSERA_TEST_DIALECT !== 'postgres') {
  for (const dialect of availableDialects()) {
    describe(`crash consistency on ${dialect}`, () => {
      const processes: TesseraProcess[] = [];
      let database: CrashDatabase | undefined;

      afterAll(async () => {
        await Promise.all(processes.map((server) => server.kill()));
        await database?.drop();
      });

      it('SIGKILL under load loses no acknowledged rotation, revocation or live session', async () => {
        const started = Date.now();
        database = await createCrashDatabase(dialect, inject('postgresUrl'), USERNAMES, PASSWORD);
        const first = await startTessera({ databaseUrl: database.url, cwd: database.dir, env: STRICT });
        processes.push(first);

        const ledger = await runLoadUntilKilled({
          baseUrl: first.baseUrl,
          usernames: USERNAMES,
          password: PASSWORD,
          workers: WORKERS,
          killWhen,
          kill: () => void first.kill(),
        });
        await first.kill();
        expect(ledger.killedAfterMs, 'the server was killed during the load').toBeDefined();
        expect(ledger.unexpected, 'answers before the kill').toEqual([]);

        const second = await startTessera({ databaseUrl: database.url, cwd: database.dir, env: STRICT });
        processes.push(second);
        const { counts, failures } = await verifyLedger(second.baseUrl, ledger);

        console.info(
          `[crash ${dialect}] killed after ${ledger.killedAfterMs} ms; acknowledged ${JSON.stringify(ledger.acknowledged)} ` +
            `(${ledger.acknowledgedAfterKill} after SIGKILL); no answer ${JSON.stringify(ledger.unknown)}; ` +
            `checked ${JSON.stringify(counts)}; ${Date.now() - started} ms in all`,
        );
        expect(failures, 'acknowledged outcomes the restarted server did not honour').toEqual([]);
        expect(counts.rotations).toBeGreaterThan(0);
        expect(counts.logouts).toBeGreaterThan(0);
        expect(counts.blacklists).toBeGreaterThan(0);
        expect(counts.revokedAccessTokens).toBeGreaterThan(0);
        expect(counts.live).toBeGreaterThan(0);
      }, 60_000);
    });
  }
}
