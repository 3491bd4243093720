// `tessera serve`'s arguments, refused before anything starts (in-process, see ./sandbox.ts).
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MAX_WORKERS } from '../../src/cluster/settings.js';
import { runMain } from './sandbox.js';

const failed = (message: string) => ({ code: 1, stdout: '', stderr: `tessera: invalid configuration: ${message}\n` });

describe('tessera serve --workers', () => {
  it.each(['0', 'two', String(MAX_WORKERS + 1)])('refuses --workers %s, saying what it takes', async (raw) => {
    expect(await runMain(['serve', '--workers', raw], { DATABASE_URL: 'sqlite:./never.sqlite' })).toEqual(
      failed(
        `--workers="${raw}" must be a whole number from 1 to ${MAX_WORKERS}, or auto (one per CPU: ` +
          `${availableParallelism()} here).`,
      ),
    );
  });

  it.each([
    ['--workers', ['serve', '--workers', '2'], {}],
    ['TESSERA_WORKERS', ['serve'], { TESSERA_WORKERS: '2' }],
  ])('refuses %s over an in-memory SQLite database, which workers could not share', async (named, args, env) => {
    expect(await runMain(args, { DATABASE_URL: 'sqlite::memory:', ...env })).toEqual(
      failed(
        `${named} needs a database the workers share: with DATABASE_URL=sqlite::memory: each would have its own. ` +
          'Use a SQLite file or PostgreSQL, or one worker.',
      ),
    );
  });
});
