import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // Real argon2, SQLite and child processes: give slow machines room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
