// `tessera services create|list|revoke` on a real SQLite file, in-process (see ./sandbox.ts).
import { describe, expect } from 'vitest';
import { hashServiceSecret } from '../../src/revocation/service-credentials.js';
import { sandboxTest, type Outcome, type Sandbox } from './sandbox.js';

const it = sandboxTest('tessera-cli-services-');

const failed = (message: string): Outcome => ({ code: 1, stdout: '', stderr: `tessera: ${message}\n` });
const SECRET = /^tsvc_[A-Za-z0-9_-]{43}$/;
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

/** Creates `name` and returns the secret, the last line of the output. */
async function create(sandbox: Sandbox, name: string): Promise<string> {
  const outcome = await sandbox.tessera(['services', 'create', name]);
  expect([outcome.code, outcome.stderr]).toEqual([0, '']);
  return outcome.stdout.trimEnd().split('\n').at(-1)!;
}

describe.concurrent('tessera services', () => {
  it('create says how to use the secret, prints it alone on the last line, and stores only its hash', async ({
    sandbox,
  }) => {
    const outcome = await sandbox.tessera(['services', 'create', 'reports']);
    const secret = outcome.stdout.trimEnd().split('\n').at(-1)!;
    expect(secret).toMatch(SECRET);
    expect(outcome).toEqual({
      code: 0,
      stdout:
        'Created service "reports". It reads /api/token/revocations/ with HTTP Basic: user "reports", password the secret below.\n' +
        'The secret is shown only this once; tessera keeps only its hash.\n' +
        `${secret}\n`,
      stderr: '',
    });
    const stored = await sandbox.withStore((store) => store.findService('reports'));
    expect(stored).toEqual({
      name: 'reports',
      secretHash: hashServiceSecret(secret),
      createdAt: expect.any(Number) as number,
      revokedAt: null,
    });
    expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(secret.slice(5));
  });

  it('create gives a new secret each time a revoked name is created again', async ({ sandbox }) => {
    const first = await create(sandbox, 'reports');
    expect((await sandbox.tessera(['services', 'revoke', 'reports'])).code).toBe(0);
    const second = await create(sandbox, 'reports');
    expect(second).toMatch(SECRET);
    expect(second).not.toBe(first);
  });

  it('create refuses the name of a live service and keeps its secret', async ({ sandbox }) => {
    const secret = await create(sandbox, 'reports');
    expect(await sandbox.tessera(['services', 'create', 'reports'])).toEqual(
      failed('a service named "reports" exists; revoke it first to issue a new secret'),
    );
    expect((await sandbox.withStore((store) => store.findService('reports')))?.secretHash).toBe(
      hashServiceSecret(secret),
    );
  });

  it.for(['Reports', '-reports', '.x', '', 'a b', 'x'.repeat(65), 'naïve', 'a/b', 'a\nb'])(
    'create refuses the name %j with one line and creates nothing',
    async (name, { sandbox }) => {
      // `--`: a name starting with '-' would otherwise be read as an option.
      const outcome = await sandbox.tessera(['services', 'create', '--', name]);
      expect(outcome).toEqual(
        failed(
          `invalid service name ${JSON.stringify(name).replaceAll('\n', '\\n')}: use 1 to 64 lowercase letters, ` +
            'digits and - _ . characters, starting with a letter or digit',
        ),
      );
      expect(await sandbox.withStore((store) => store.listServices())).toEqual([]);
    },
  );

  it('create accepts a 64-character name of every allowed character', async ({ sandbox }) => {
    const name = `0a-_.${'z'.repeat(59)}`;
    expect(await create(sandbox, name)).toMatch(SECRET);
  });

  it('list prints each service with when it was created and revoked, by name', async ({ sandbox }) => {
    expect((await sandbox.tessera(['services', 'list'])).stdout).toMatch(
      /No services; create one with: tessera services create NAME\n$/,
    );
    await create(sandbox, 'reports');
    await create(sandbox, 'billing');
    await sandbox.tessera(['services', 'revoke', 'reports']);
    const outcome = await sandbox.tessera(['services', 'list']);
    expect([outcome.code, outcome.stderr]).toEqual([0, '']);
    const rows = outcome.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME +CREATED +REVOKED$/);
    expect(rows.slice(1).map((row) => row.split(/ {2,}/))).toEqual([
      ['billing', expect.stringMatching(ISO), '-'],
      ['reports', expect.stringMatching(ISO), expect.stringMatching(ISO)],
    ]);
  });

  it('records creating and revoking a service in the audit log, never the secret', async ({ sandbox }) => {
    const secret = await create(sandbox, 'reports');
    await sandbox.tessera(['services', 'revoke', 'reports']);
    await sandbox.tessera(['services', 'revoke', 'reports']);
    const { records } = await sandbox.withStore((store) => store.listAudit({ offset: 0, limit: 10 }));
    expect(records.map(({ event, details, userId }) => ({ event, details, userId }))).toEqual([
      { event: 'service_revoked', details: { service: 'reports', via: 'cli' }, userId: null },
      { event: 'service_created', details: { service: 'reports', via: 'cli' }, userId: null },
    ]);
    expect(JSON.stringify(records)).not.toContain(secret.slice(5));
  });

  it('revoke ends a live service once, and refuses a name with no live service', async ({ sandbox }) => {
    await create(sandbox, 'reports');
    expect(await sandbox.tessera(['services', 'revoke', 'reports'])).toEqual({
      code: 0,
      stdout: 'Revoked service "reports"; its secret no longer works.\n',
      stderr: '',
    });
    expect((await sandbox.withStore((store) => store.findService('reports')))?.revokedAt).toEqual(expect.any(Number));
    expect(await sandbox.tessera(['services', 'revoke', 'reports'])).toEqual(failed('no live service named "reports"'));
    expect(await sandbox.tessera(['services', 'revoke', 'nobody'])).toEqual(failed('no live service named "nobody"'));
  });

  it.for([
    [['services'], 'give a subcommand: tessera services create NAME, list, or revoke NAME'],
    [['services', 'delete', 'x'], 'unknown services subcommand "delete"; use create NAME, list, or revoke NAME'],
    [['services', 'create'], 'give exactly one service name, e.g. tessera services create reports'],
    [['services', 'revoke', 'a', 'b'], 'give exactly one service name, e.g. tessera services revoke reports'],
    [['services', 'list', 'x'], 'tessera services list takes no arguments'],
  ] as const)('%j exits 1 with one line', async ([args, message], { sandbox }) => {
    expect(await sandbox.tessera([...args])).toEqual(failed(message));
  });
});
