import { djangoAlgorithmOf } from '../passwords/django-hashes.js';
import type { Config } from '../config.js';
import { printTable, withStore } from './common.js';
import type { Io } from './io.js';

/**
 * What a stored hash is: tessera's `argon2id`, a Django format by Django's
 * name (upgraded at the user's next login), `unusable` (Django's `!…`, which
 * never logs in) or `other`.
 *
 * @example
 * ```ts
 * passwordFormatOf('pbkdf2_sha256$870000$salt$key='); // 'pbkdf2_sha256'
 * ```
 */
export function passwordFormatOf(encoded: string): string {
  if (encoded.startsWith('$argon2id$')) return 'argon2id';
  if (encoded.startsWith('!')) return 'unusable';
  return djangoAlgorithmOf(encoded) ?? 'other';
}

/** `tessera users --hash-formats`: how many users are left on each format, most first. */
export async function countHashFormats(config: Config, io: Io): Promise<void> {
  const users = await withStore(config, io, (store) => store.listUsers());
  const counts = new Map<string, number>();
  for (const { passwordHash } of users) {
    const format = passwordFormatOf(passwordHash);
    counts.set(format, (counts.get(format) ?? 0) + 1);
  }
  const rows = [...counts].sort(([a, m], [b, n]) => n - m || a.localeCompare(b));
  printTable(io, [['FORMAT', 'USERS'], ...rows.map(([format, count]) => [format, String(count)])]);
}
