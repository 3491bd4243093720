import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const ALL = ['packages/*/test/**/*.test.ts'];
/** Tests that measure time: run alone, after everything else, so that other test files do not disturb them. */
const TIMING = ['packages/server/test/adversarial/login-uniformity.test.ts'];

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
      // The whole HTTP suite again, on PostgreSQL.
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['packages/server/test/http/**/*.test.ts'],
          env: { TESSERA_TEST_DIALECT: 'postgres' },
        },
      },
      { extends: true, test: { name: 'timing', include: TIMING, sequence: { groupOrder: 1 } } },
      // The web app in Debian's Chromium against a real server; `npm test` builds the app first.
      { extends: true, test: { name: 'browser', include: ['apps/web/test/**/*.test.ts'] } },
    ],
  },
});
