/**
 * Vitest global setup: a PostgreSQL database of this run's own, created
 * before the tests and dropped after, and a check that Redis answers. Without
 * them, their suites do not run and a loud notice says so; under CI=true that
 * is an error.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const ADMIN_URL = process.env.TESSERA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TESSERA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's database, or null when no PostgreSQL server could be reached. */
    postgresUrl: string | null;
    /** Redis, or null when it could not be reached. */
    redisUrl: string | null;
  }
}

function notice(what: string, url: string, error: unknown): void {
  if (process.env.CI === 'true') throw new Error(`CI=true but ${what} is not reachable at ${url}: ${String(error)}`);
  const bar = '!'.repeat(72);
  process.stderr.write(
    `\n${bar}\n!! ${what} is not reachable at ${url}:\n!! the ${what} suites are NOT running.\n${bar}\n\n`,
  );
}

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch (error) {
    notice('Redis', REDIS_URL, error);
    return false;
  } finally {
    redis.disconnect();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('redisUrl', (await redisAnswers()) ? REDIS_URL : null);
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    notice('PostgreSQL', ADMIN_URL, error);
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
