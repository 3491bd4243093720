// tessera databases for the Django import suites: a fresh one per use, of
// either dialect, and `tessera import django` run into it as the CLI runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store, UserRecord } from '../../src/store/types.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { runMain, type Outcome } from '../cli/sandbox.js';
import { createSchema, type DialectName } from '../support/stores.js';
import { postgresDjango, sqliteDjango, type DjangoFixture } from './fixture.js';

/** The options the fixture's seed-004 profile and seed-002 role need. */
export const OPTIONS = ['--profile-table', 'base_profile', '--role-from', 'base_profile.role'];

/** A tessera database of `dialect` for one test: its DATABASE_URL, and the store over it. */
export interface Target {
  databaseUrl: string;
  open(): Promise<Store>;
  cleanup(): void;
}

export async function newTarget(dialect: DialectName): Promise<Target> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-import-'));
    const path = join(dir, 'tessera.sqlite');
    return {
      databaseUrl: `sqlite:${path}`,
      open: () => openSqliteStore({ path }),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = inject('postgresUrl')!;
  const schema = await createSchema(url, 'import');
  const databaseUrl = new URL(url);
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
  return {
    databaseUrl: databaseUrl.toString(),
    open: () => openWithRetries(() => openPostgresStore({ url, schema, poolSize: 2 })),
    cleanup: () => undefined,
  };
}

/**
 * Opens, trying twice more if the store is unavailable: PostgreSQL's first
 * connection must come within the store's 2 s, which a CI machine running
 * Chromium beside the suite has missed. The server retries the same way at
 * start (openWhenReachable).
 */
async function openWithRetries(open: () => Promise<Store>): Promise<Store> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || attempt === 3) throw error;
    }
  }
}

export const fixtureOf = (dialect: DialectName): Promise<DjangoFixture> =>
  dialect === 'sqlite' ? sqliteDjango() : postgresDjango();

export const importInto = (target: Target, from: string, extra: string[] = OPTIONS): Promise<Outcome> =>
  runMain(['import', 'django', '--from', from, ...extra], { DATABASE_URL: target.databaseUrl });

export async function usersOf(target: Target): Promise<UserRecord[]> {
  const store = await target.open();
  try {
    return await store.listUsers();
  } finally {
    await store.close();
  }
}
