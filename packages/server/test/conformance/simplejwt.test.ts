// tessera against a live SimpleJWT server: every row of the table is sent to
// both, and tessera's answer must equal the peer's after normalisation, unless
// the row is a documented divergence, when tessera's answer must be exactly
// the documented one (and still differ from the peer's). tessera's users are
// the peer's own, brought by `tessera import django` from its database: the
// table checks a cutover, users and Django password hashes as Django left them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf } from '../support/server.js';
import type { Outcome } from '../cli/sandbox.js';
import { DIVERGENCE_ENTRIES, DIVERGENCES, type Divergence } from './divergences.js';
import { signatureOf } from './normalise.js';
import { PEER_SETUP, PEER_WORKERS, whyPeerIsMissing } from './peer.js';
import { call, logInAhead, type Row } from './requests.js';
import { bodyAndMethodRows } from './rows-bodies.js';
import { bearerRows } from './rows-bearer.js';
import { tokenRows } from './rows-tokens.js';
import { USERS, startTargets, type Target } from './targets.js';

const ROWS: readonly Row[] = [...bodyAndMethodRows(), ...tokenRows(), ...bearerRows()];
/** How many new sessions of alice the rows take (more only costs time, fewer are made when needed). */
const ALICE_LOGINS = 21;

/** What `tessera import django` prints for the peer's database (seed_users.py's three users, Django's default hasher). */
const PEER_IMPORT = `Users: 3 imported, 0 updated, 0 unchanged, 0 skipped (of 3 in the Django database).
Password hash formats found (each is rewritten as argon2id at the user's next login):
FORMAT         USERS
pbkdf2_sha256  3
Users who will need a password reset (no password tessera can check): 0
SimpleJWT blacklist: 0 unexpired entries (jti and expiry only), 0 new to tessera.
`;

const missing = whyPeerIsMissing();
if (missing !== null) {
  if (process.env.CI === 'true')
    throw new Error(`CI=true but the SimpleJWT peer cannot run: ${missing}. ${PEER_SETUP} installs it.`);
  const bar = '!'.repeat(72);
  console.warn(
    `\n${bar}\n!! The SimpleJWT peer cannot run: ${missing}.\n!! The conformance suite is NOT running. ${PEER_SETUP} installs it.\n${bar}\n`,
  );
}

describe('the table and its divergences', () => {
  it('names every row once', () => {
    const names = ROWS.map((row) => row.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it('lists divergences only for rows of the table, each once', () => {
    const names = new Set(ROWS.map((row) => row.name));
    expect([...DIVERGENCES.keys()].filter((name) => !names.has(name))).toEqual([]);
    expect(DIVERGENCES.size).toBe(DIVERGENCE_ENTRIES);
  });
});

describe.skipIf(missing !== null)('tessera answers like SimpleJWT (Django 3.2, DRF 3.14, SimpleJWT 5.2.2)', () => {
  let tessera: Target;
  let peer: Target;
  let imported: Outcome;

  beforeAll(async () => {
    ({ tessera, peer, imported } = await startTargets());
    logInAhead(tessera, ALICE_LOGINS, 1);
    logInAhead(peer, ALICE_LOGINS, PEER_WORKERS);
  });
  afterAll(async () => {
    await Promise.all([tessera?.stop(), peer?.stop()]);
  });

  it("serves the peer's users, imported from its database with their ids and Django hashes", async () => {
    expect(imported).toEqual({ code: 0, stdout: PEER_IMPORT, stderr: '' });
    // carol is inactive: her id shows in no token, and her row of the table checks she cannot log in.
    for (const username of ['alice', 'bob'] as const) {
      const pairs = await Promise.all(
        [tessera, peer].map((target) =>
          call(target, { path: '/api/token/', json: { username, password: USERS[username].password } }),
        ),
      );
      const [ours, theirs] = pairs.map((answer) => claimsOf((JSON.parse(answer.text) as { access: string }).access));
      // SimpleJWT 5.2.2 writes an int, tessera a string, as SimpleJWT 5.5.1 and after do.
      expect([username, String(ours!.user_id)]).toEqual([username, String(theirs!.user_id)]);
    }
  });

  for (const row of ROWS) {
    const divergence: Divergence | undefined = DIVERGENCES.get(row.name);
    const title = divergence === undefined ? row.name : `${row.name} (differs: ${divergence.why})`;
    it(title, async () => {
      const [ours, theirs] = await Promise.all([row.run(tessera), row.run(peer)]);
      if (divergence === undefined) {
        expect(signatureOf(ours, row), 'tessera (expected: the peer)').toEqual(signatureOf(theirs, row));
        return;
      }
      expect(signatureOf(ours, row, { exact: true }), 'tessera (expected: the documented answer)').toEqual(
        divergence.tessera,
      );
      expect(signatureOf(ours, row), 'a listed divergence that no longer differs').not.toEqual(
        signatureOf(theirs, row),
      );
    });
  }
});
