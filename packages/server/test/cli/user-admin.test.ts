// `tessera edituser`, `setstaff`, `setsuperuser`, `setrole`, `grant-permission`, `deleteuser` and their
// opposites, on a real SQLite file, in-process (see ./sandbox.ts).
import { describe, expect } from 'vitest';
import { seedUser } from '../support/users.js';
import { sandboxTest, seedSession, type Outcome, type Sandbox } from './sandbox.js';

const it = sandboxTest('tessera-cli-user-admin-');

const succeeded = (stdout: string): Outcome => ({ code: 0, stdout, stderr: '' });
const failed = (message: string, stdout = ''): Outcome => ({ code: 1, stdout, stderr: `tessera: ${message}\n` });

/** alice, with a live session, and root, the one superuser. */
async function seed(sandbox: Sandbox): Promise<void> {
  await sandbox.withStore(async (store) => {
    const alice = await seedUser(store, 'alice', 'pw', { permissions: ['notes.view'] });
    await seedSession(store, alice.id, 'alice-laptop');
    await seedUser(store, 'root', 'pw', { isStaff: true, isSuperuser: true });
  });
}

const sessionLive = (sandbox: Sandbox) =>
  sandbox.withStore(async (store) => (await store.findSession('alice-laptop'))?.revokedAt === null);

describe.concurrent('tessera user administration', () => {
  it.for<[string[], string, Record<string, unknown>]>([
    [['setstaff', 'alice'], '"alice" is staff; every session was ended.\n', { isStaff: true }],
    [
      ['setsuperuser', 'alice'],
      '"alice" is a superuser; every session was ended.\n',
      { isStaff: true, isSuperuser: true },
    ],
    [
      ['setrole', 'alice', 'editor'],
      '"alice" now has the role "editor"; every session was ended.\n',
      { role: 'editor' },
    ],
    [
      ['grant-permission', 'alice', 'notes.edit', 'notes.view', 'billing:refund', 'notes.edit'],
      'Permissions of "alice": notes.view, notes.edit, billing:refund; every session was ended.\n',
      { permissions: ['notes.view', 'notes.edit', 'billing:refund'] },
    ],
    [
      ['revoke-permission', 'alice', 'notes.view', 'never.had'],
      'Permissions of "alice": none; every session was ended.\n',
      { permissions: [] },
    ],
  ])('%j changes the user, ends their session, and audits it', async ([args, stdout, fields], { sandbox }) => {
    await seed(sandbox);
    expect(await sandbox.tessera(args)).toEqual(succeeded(stdout));
    expect(await sandbox.user('alice')).toMatchObject(fields);
    expect(await sessionLive(sandbox)).toBe(false);
    const { records } = await sandbox.withStore((store) =>
      store.listAudit({ event: 'user_updated', offset: 0, limit: 5 }),
    );
    expect(records.map((r) => [r.username, r.userAgent, r.details.via])).toEqual([['alice', 'tessera-cli', 'cli']]);
  });

  it('unsetstaff and unsetsuperuser take the rights away', async ({ sandbox }) => {
    await seed(sandbox);
    await sandbox.tessera(['setsuperuser', 'alice']);
    expect(await sandbox.tessera(['unsetsuperuser', 'alice'])).toEqual(
      succeeded('"alice" is no longer a superuser; every session was ended.\n'),
    );
    expect(await sandbox.tessera(['unsetstaff', 'alice'])).toEqual(
      succeeded('"alice" is no longer staff; every session was ended.\n'),
    );
    expect(await sandbox.user('alice')).toMatchObject({ isStaff: false, isSuperuser: false });
  });

  it('edituser changes the email and names given, checks the email as the API does, and keeps the sessions', async ({
    sandbox,
  }) => {
    await seed(sandbox);
    const args = ['edituser', 'alice', '--email', ' alice@example.org ', '--first-name', 'Alice'];
    expect(await sandbox.tessera(args)).toEqual(succeeded('Updated "alice".\n'));
    expect(await sandbox.user('alice')).toMatchObject({ email: 'alice@example.org', firstName: 'Alice', lastName: '' });
    expect(await sessionLive(sandbox)).toBe(true);
    expect(await sandbox.tessera(['edituser', 'alice', '--email', 'alice@localhost'])).toEqual(
      failed('invalid email "alice@localhost": Enter a valid email address.'),
    );
    expect((await sandbox.user('alice')).email).toBe('alice@example.org');
  });

  it.for<[string[], string]>([
    [['edituser', 'alice'], 'give at least one of --email, --first-name and --last-name'],
    [['edituser', 'alice', '--last-name', 'x'.repeat(151)], '--last-name is longer than 150 characters'],
    [['setrole', 'alice'], 'give a username and ROLE, e.g. tessera setrole alice ROLE'],
    [
      ['setrole', 'alice', 'has space'],
      'invalid role "has space": Enter a valid role: letters, digits and _ . - only.',
    ],
    [['setrole', 'alice', 'a', 'b'], 'give one role, e.g. tessera setrole alice editor'],
    [
      ['grant-permission', 'alice', 'ok', 'not ok'],
      'invalid permission "not ok": Enter a valid permission: letters, digits and _ . : - only.',
    ],
    [['setstaff'], 'give exactly one username, e.g. tessera setstaff alice'],
    [['setstaff', 'nobody'], 'no user named "nobody"'],
    [['unsetsuperuser', 'root'], '"root" is the last active superuser; make another superuser first'],
    [['deleteuser', 'root', '--yes'], '"root" is the last active superuser; make another superuser first'],
  ])('%j exits 1 with "%s" and changes nothing', async ([args, message], { sandbox }) => {
    await seed(sandbox);
    const before = await sandbox.withStore((store) => store.listUsers());
    expect(await sandbox.tessera(args)).toEqual(failed(message));
    expect(await sandbox.withStore((store) => store.listUsers())).toEqual(before);
    expect(await sessionLive(sandbox)).toBe(true);
  });

  it('deleteuser deletes after the username is typed again, ending the sessions, and audits it', async ({
    sandbox,
  }) => {
    await seed(sandbox);
    const prompt = 'Type "alice" to delete the user and end every session: \n';
    expect(await sandbox.tessera(['deleteuser', 'alice'], { input: 'alicia\n' })).toEqual(
      failed('not confirmed; nothing was deleted', prompt),
    );
    expect(await sandbox.tessera(['deleteuser', 'alice'], { input: 'alice\n' })).toEqual(
      succeeded(`${prompt}Deleted "alice"; every session was ended.\n`),
    );
    expect(await sandbox.withStore((store) => store.findUserByUsername('alice'))).toBeUndefined();
    expect(await sessionLive(sandbox)).toBe(false);
    const { records } = await sandbox.withStore((store) =>
      store.listAudit({ event: 'user_deleted', offset: 0, limit: 5 }),
    );
    expect(records.map((r) => [r.username, r.details])).toEqual([['alice', { via: 'cli' }]]);
  });
});
