// `tessera keys` on a real SQLite file in a fresh temporary directory per
// test, in-process through `main(argv, io)` (see ./sandbox.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, describe, expect } from 'vitest';
import type { SigningKeyRecord } from '../../src/store/types.js';
import { createSandbox, type Outcome, type Sandbox } from './sandbox.js';

const it = base.extend<{ sandbox: Sandbox }>({
  // eslint-disable-next-line no-empty-pattern -- vitest reads fixture dependencies from this pattern
  sandbox: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-keys-'));
    try {
      await use(createSandbox(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
});

const SECRET = 'cli-keys-secret-that-is-long-enough-0123456789';
const env = (algorithm = 'EdDSA') => ({ env: { TESSERA_SECRET_KEY: SECRET, TESSERA_SIGNING_ALGORITHM: algorithm } });
const failed = (message: string): Outcome => ({ code: 1, stdout: '', stderr: `tessera: ${message}\n` });
const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

const keysOf = (sandbox: Sandbox) => sandbox.withStore((store) => store.listSigningKeys());
const byState = (keys: SigningKeyRecord[], state: SigningKeyRecord['state']) =>
  keys.filter((key) => key.state === state);

describe.concurrent('tessera keys', () => {
  it('list on a fresh install makes and shows a current and a next key of the configured algorithm', async ({
    sandbox,
  }) => {
    const outcome = await sandbox.tessera(['keys', 'list'], env());
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toBe('');
    const lines = outcome.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KID +ALGORITHM +STATE +CREATED +ACTIVATED +RETIRED +PUBLISHED UNTIL$/);
    const keys = await keysOf(sandbox);
    const [current] = byState(keys, 'current');
    const [next] = byState(keys, 'next');
    expect(keys.map((key) => key.algorithm)).toEqual(['EdDSA', 'EdDSA']);
    expect(lines[1]).toMatch(new RegExp(`^${current!.kid} +EdDSA +current +${ISO} +${ISO} +- +while in use$`));
    expect(lines[2]).toMatch(new RegExp(`^${next!.kid} +EdDSA +next +${ISO} +- +- +while in use$`));
  });

  it('rotate refuses a next key published less than 300 s ago, saying when it may, and changes nothing', async ({
    sandbox,
  }) => {
    await sandbox.tessera(['keys', 'list'], env());
    const before = await keysOf(sandbox);
    const outcome = await sandbox.tessera(['keys', 'rotate'], env());
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(
      new RegExp(
        `^tessera: the next key was published less than 300 s ago and verifiers may not have it yet; rotate at or after ${ISO}, or now with --now\n$`,
      ),
    );
    expect(await keysOf(sandbox)).toEqual(before);
  });

  it('rotate --now: the next key signs, the current one retires, a new next key is made', async ({ sandbox }) => {
    await sandbox.tessera(['keys', 'list'], env());
    const [current] = byState(await keysOf(sandbox), 'current');
    const [next] = byState(await keysOf(sandbox), 'next');
    const outcome = await sandbox.tessera(['keys', 'rotate', '--now'], env());
    const keys = await keysOf(sandbox);
    const [added] = byState(keys, 'next');
    expect(outcome).toEqual({
      code: 0,
      stdout: `Rotated: ${next!.kid} (EdDSA) signs now; ${current!.kid} is retired; the new next key is ${added!.kid} (EdDSA).\n`,
      stderr: '',
    });
    expect(byState(keys, 'retired').map((key) => key.kid)).toEqual([current!.kid]);
    expect(byState(keys, 'current').map((key) => key.kid)).toEqual([next!.kid]);
    const list = await sandbox.tessera(['keys', 'list'], env());
    expect(list.stdout).toMatch(new RegExp(`\n${current!.kid} +EdDSA +retired +${ISO} +${ISO} +${ISO} +${ISO}\n`));
  });

  it('retire drops a next key and makes a new one; refuses the current key; says so for a retired one', async ({
    sandbox,
  }) => {
    await sandbox.tessera(['keys', 'list'], env());
    const [current] = byState(await keysOf(sandbox), 'current');
    const [next] = byState(await keysOf(sandbox), 'next');
    const dropped = await sandbox.tessera(['keys', 'retire', next!.kid], env());
    const [replacement] = byState(await keysOf(sandbox), 'next');
    expect(replacement!.kid).not.toBe(next!.kid);
    expect(dropped).toEqual({
      code: 0,
      stdout: `Dropped the next key ${next!.kid}, which never signed; the new next key is ${replacement!.kid}.\n`,
      stderr: '',
    });
    expect(await sandbox.tessera(['keys', 'retire', current!.kid], env())).toEqual(
      failed(`${current!.kid} is the current key: rotate first (tessera keys rotate), which retires it`),
    );
    await sandbox.tessera(['keys', 'rotate', '--now'], env());
    expect(await sandbox.tessera(['keys', 'retire', current!.kid], env())).toEqual({
      code: 0,
      stdout: `${current!.kid} is already retired.\n`,
      stderr: '',
    });
  });

  it('revoke of the current key promotes the next at once and makes a new next; twice says so', async ({ sandbox }) => {
    await sandbox.tessera(['keys', 'list'], env());
    const [current] = byState(await keysOf(sandbox), 'current');
    const [next] = byState(await keysOf(sandbox), 'next');
    expect(await sandbox.tessera(['keys', 'revoke', current!.kid], env())).toEqual({
      code: 0,
      stdout: `Revoked ${current!.kid}: every token it signed is refused at once. ${next!.kid} signs now.\n`,
      stderr: '',
    });
    const keys = await keysOf(sandbox);
    expect(byState(keys, 'revoked').map((key) => key.kid)).toEqual([current!.kid]);
    expect(byState(keys, 'current').map((key) => key.kid)).toEqual([next!.kid]);
    expect(byState(keys, 'next')).toHaveLength(1);
    await sandbox.withStore(async (store) => {
      const log = await store.readRevocations(0, 100);
      expect(log.at(-1)).toMatchObject({ kind: 'key', target: current!.kid });
    });
    expect(await sandbox.tessera(['keys', 'revoke', current!.kid], env())).toEqual({
      code: 0,
      stdout: `${current!.kid} is already revoked.\n`,
      stderr: '',
    });
  });

  it.for([
    [['keys'], 'keys needs a subcommand: list, rotate [--now], retire KID or revoke KID'],
    [['keys', 'shred'], 'keys needs a subcommand: list, rotate [--now], retire KID or revoke KID'],
    [['keys', 'revoke'], 'give exactly one kid, e.g. tessera keys revoke KID'],
    [['keys', 'retire', 'a', 'b'], 'give exactly one kid, e.g. tessera keys retire KID'],
    [['keys', 'list', 'extra'], 'keys list takes no arguments'],
    [['keys', 'revoke', 'x', '--now'], '--now applies to keys rotate only'],
    [['keys', 'revoke', 'no-such-kid'], 'no signing key "no-such-kid"'],
    // A thumbprint may begin with '-' (one kid in 64): it is a kid, not an option.
    [['keys', 'revoke', '-ZtTDHJ1jvpjvghfuBZy3xd'], 'no signing key "-ZtTDHJ1jvpjvghfuBZy3xd"'],
    [['keys', 'retire', 'no-such-kid'], 'no signing key "no-such-kid"'],
  ] as const)('%j fails with one line', async ([args, message], { sandbox }) => {
    await sandbox.tessera(['keys', 'list'], env());
    expect(await sandbox.tessera([...args], env())).toEqual(failed(message));
  });

  it('under another TESSERA_SECRET_KEY fails with one line naming the problem, and changes nothing', async ({
    sandbox,
  }) => {
    await sandbox.tessera(['keys', 'list'], env());
    const before = await keysOf(sandbox);
    const [current] = byState(before, 'current');
    const outcome = await sandbox.tessera(['keys', 'rotate', '--now'], {
      env: { TESSERA_SECRET_KEY: `${SECRET}-other`, TESSERA_SIGNING_ALGORITHM: 'EdDSA' },
    });
    expect(outcome).toEqual(
      failed(
        `the private half of signing key ${current!.kid} cannot be decrypted: the keys were made under another ` +
          'TESSERA_SECRET_KEY (or the row was changed). Start tessera with the secret key the keys were made with, ' +
          'or `tessera keys revoke` them from an instance that has it.',
      ),
    );
    expect(await keysOf(sandbox)).toEqual(before);
  });
});
