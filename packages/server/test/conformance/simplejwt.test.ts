// tessera against a live SimpleJWT server: every row of the table is sent to
// both, and tessera's answer must equal the peer's after normalisation, unless
// the row is a documented divergence, when tessera's answer must be exactly
// the documented one (and still differ from the peer's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIVERGENCE_ENTRIES, DIVERGENCES, type Divergence } from './divergences.js';
import { signatureOf } from './normalise.js';
import { PEER_SETUP, PEER_WORKERS, whyPeerIsMissing } from './peer.js';
import { logInAhead, type Row } from './requests.js';
import { bodyAndMethodRows } from './rows-bodies.js';
import { bearerRows } from './rows-bearer.js';
import { tokenRows } from './rows-tokens.js';
import { startPeerTarget, startTesseraTarget, type Target } from './targets.js';

const ROWS: readonly Row[] = [...bodyAndMethodRows(), ...tokenRows(), ...bearerRows()];
/** How many new sessions of alice the rows take (more only costs time, fewer are made when needed). */
const ALICE_LOGINS = 21;

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

  beforeAll(async () => {
    [tessera, peer] = await Promise.all([startTesseraTarget(), startPeerTarget()]);
    logInAhead(tessera, ALICE_LOGINS, 1);
    logInAhead(peer, ALICE_LOGINS, PEER_WORKERS);
  });
  afterAll(async () => {
    await Promise.all([tessera?.stop(), peer?.stop()]);
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
