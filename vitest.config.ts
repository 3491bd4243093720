import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const ALL = ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'];
/** Tests that measure time: run alone, after everything else, so that other test files do not disturb them. */
const TIMING = [
  'packages/server/test/adversarial/login-uniformity.test.ts',
  'packages/server/test/adversarial/django-login-uniformity.test.ts',
  'packages/server/test/adversarial/password-reset-uniformity.test.ts',
];
/** Attack tables decided before any store is read (the token codec, CSRF checks): a second dialect adds nothing. */
const STORELESS_ATTACKS = [
  'packages/server/test/adversarial/forged-signatures.test.ts',
  'packages/server/test/adversarial/forged-headers.test.ts',
  'packages/server/test/adversarial/forged-keys.test.ts',
  'packages/server/test/adversarial/cookie-csrf.test.ts',
];

export default defineConfig({
  test: {
    // Real argon2, databases and child processes: give slow machines room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // A worker's files share its module cache: importing Fastify, Kysely and
    // the app afresh for every file was half the suite's CPU. Support modules
    // keep no state a later file could trip on (see test/support/stores.ts).
    isolate: false,
    // Vitest's default is a worker less than the cores: one on a 2-core
    // machine. Most files spend their time waiting on PostgreSQL, Redis,
    // sockets or child processes, so two workers overlap the waits.
    maxWorkers: Math.max(2, availableParallelism()),
    globalSetup: ['packages/server/test/support/services-global.ts'],
    projects: [
      // Everything, with the HTTP suites on SQLite (the store contract runs every dialect itself).
      { extends: true, test: { name: 'sqlite', include: ALL, exclude: TIMING } },
      // The whole HTTP suite and the attack tables that reach the store again, on PostgreSQL, the attacks
      // behind a trusted proxy: about 30 s of test time more (40 s wall), fuzzing 200 runs per property (CI forces its minimum).
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['packages/server/test/http/**/*.test.ts', 'packages/server/test/adversarial/**/*.test.ts'],
          exclude: [...TIMING, ...STORELESS_ATTACKS],
          env: {
            TESSERA_TEST_DIALECT: 'postgres',
            TESSERA_TEST_TRUSTED_PROXIES: '127.0.0.1',
            TESSERA_FUZZ_RUNS: '200',
          },
        },
      },
      { extends: true, test: { name: 'timing', include: TIMING, sequence: { groupOrder: 1 } } },
      // The web app in Debian's Chromium against a real server; `npm test` builds the app first.
      { extends: true, test: { name: 'browser', include: ['apps/web/test/**/*.test.ts'] } },
    ],
  },
});
