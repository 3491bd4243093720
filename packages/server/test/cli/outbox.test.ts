// `tessera outbox` on a real SQLite file, in-process (see ./sandbox.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, describe, expect } from 'vitest';
import { createSandbox, type Sandbox } from './sandbox.js';

const it = base.extend<{ sandbox: Sandbox }>({
  // eslint-disable-next-line no-empty-pattern -- vitest reads fixture dependencies from this pattern
  sandbox: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-outbox-'));
    try {
      await use(createSandbox(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
});

const T0 = Date.UTC(2026, 0, 1);

/** Three messages: one sent, one pending after a failed attempt, one failed for good. */
async function seedOutbox(sandbox: Sandbox): Promise<void> {
  await sandbox.withStore(async (store) => {
    for (const recipient of ['sent@example.com', 'pending@example.com', 'failed\n@example.com']) {
      await store.enqueueMail({ kind: 'password_reset', recipient, payload: {}, createdAt: T0 });
    }
    const [sent, pending, failed] = await store.claimDueMail(T0, 60_000, 10);
    await store.finishMail(sent!.id, 'sent', T0 + 1);
    await store.retryMail(pending!.id, 'connect ECONNREFUSED 127.0.0.1:25', T0 + 15_000, false);
    await store.retryMail(failed!.id, 'Greeting never received', T0 + 15_000, true);
  });
}

describe.concurrent('tessera outbox', () => {
  it('lists pending and failed mail, oldest first, with the next attempt and the last error', async ({ sandbox }) => {
    await seedOutbox(sandbox);
    const outcome = await sandbox.tessera(['outbox']);
    expect([outcome.code, outcome.stderr]).toEqual([0, '']);
    expect(outcome.stdout.split('\n').map((line) => line.split(/ {2,}/))).toEqual([
      ['ID', 'KIND', 'TO', 'STATUS', 'ATTEMPTS', 'CREATED', 'NEXT ATTEMPT', 'LAST ERROR'],
      [
        '2',
        'password_reset',
        'pending@example.com',
        'pending',
        '1',
        '2026-01-01T00:00:00.000Z',
        '2026-01-01T00:00:15.000Z',
        'connect ECONNREFUSED 127.0.0.1:25',
      ],
      // A typed address is anyone's text: its control characters are escaped.
      [
        '3',
        'password_reset',
        'failed\\u000a@example.com',
        'failed',
        '1',
        '2026-01-01T00:00:00.000Z',
        '-',
        'Greeting never received',
      ],
      [''],
    ]);
  });

  it('--retry queues the failed mail again, due at once', async ({ sandbox }) => {
    await seedOutbox(sandbox);
    const outcome = await sandbox.tessera(['outbox', '--retry']);
    expect(outcome.stdout.split('\n')[0]).toBe('Queued 1 failed messages again.');
    const statuses = await sandbox.withStore((store) => store.listMail(['pending', 'failed'], 10));
    expect(statuses.map((m) => [m.id, m.status, m.attempts])).toEqual([
      [2, 'pending', 1],
      [3, 'pending', 0],
    ]);
  });

  it('says so when every message was sent, and refuses a bad --limit', async ({ sandbox }) => {
    expect(await sandbox.tessera(['outbox'])).toEqual({
      code: 0,
      stdout: 'The outbox is empty: every message was sent.\n',
      stderr: '',
    });
    expect(await sandbox.tessera(['outbox', '--limit', '0'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'tessera: --limit must be a whole number from 1 up\n',
    });
  });
});
