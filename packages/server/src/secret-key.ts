import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MIN_SECRET_KEY_LENGTH, type Config } from './config.js';

/** Where a development secret is kept: beside the SQLite file, or in ./data. */
export function secretKeyPath(config: Config): string | undefined {
  if (config.database.kind === 'sqlite') {
    if (config.database.path === ':memory:') return undefined;
    return join(dirname(resolve(config.database.path)), 'tessera.secret');
  }
  return resolve('data', 'tessera.secret');
}

/**
 * Returns the signing key: `TESSERA_SECRET_KEY`, or outside production one
 * created once and kept in a file readable by this user only, so tokens
 * survive restarts. `warn` is told whenever the file is used.
 */
export function ensureSecretKey(config: Config, warn: (message: string) => void): string {
  if (config.secretKey !== undefined) return config.secretKey;
  const path = secretKeyPath(config);
  if (path === undefined) {
    warn('TESSERA_SECRET_KEY is not set: using a random key for this in-memory database; tokens die with the process.');
    return randomBytes(48).toString('base64url');
  }
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= MIN_SECRET_KEY_LENGTH) {
      warn(`TESSERA_SECRET_KEY is not set: using the development key in ${path}. Set it in production.`);
      return existing;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(48).toString('base64url');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  warn(`TESSERA_SECRET_KEY is not set: created a development key in ${path}. Set it in production.`);
  return key;
}
