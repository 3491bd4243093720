/**
 * Vitest global setup: a PostgreSQL database of this run's own, created
 * before the tests and dropped after. Without a server, the PostgreSQL
 * suites do not run and a loud notice says so; under CI=true that is an error.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const ADMIN_URL = process.env.TESSERA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's database, or null when no PostgreSQL server could be reached. */
    postgresUrl: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but PostgreSQL is not reachable at ${ADMIN_URL}: ${String(error)}`);
    }
    process.stderr.write(
      `\n${'!'.repeat(72)}\n!! PostgreSQL is not reachable at ${ADMIN_URL}:\n!! the PostgreSQL store and HTTP suites are NOT running.\n${'!'.repeat(72)}\n\n`,
    );
    project.provide('postgresUrl', null);
    return () => Promise.resolve();
  }
  const name = `tessera_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  project.provide('postgresUrl', url.toString());
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
}
