import type { Config } from '../config.js';
import { openStore } from '../store/open.js';
import type { Store, UserRecord } from '../store/types.js';
import { CliError, type Io } from './io.js';
import { findUserByTypedUsername } from '../auth/user-lookup.js';
import { escapeControl } from '../terminal-text.js';

/** Quotes a value for a one-line message: a newline in it cannot split the line. */
export const quote = (value: string): string => escapeControl(JSON.stringify(value));

/**
 * Opens the store for one command and always closes it. Folders made for a
 * SQLite file are said on stdout: a mistyped DATABASE_URL would otherwise
 * leave a new, empty database somewhere unexpected, silently.
 */
export async function withStore<T>(config: Config, io: Io, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config, {
    onDirectoryCreated: (directory) =>
      io.stdout.write(`Created the directory ${quote(directory)} for the SQLite database.\n`),
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** The one user the positional arguments name. */
export async function requireUser(store: Store, positionals: string[], command: string): Promise<UserRecord> {
  const [username, ...extra] = positionals;
  if (username === undefined || extra.length > 0) {
    throw new CliError(`give exactly one username, e.g. tessera ${command} alice`);
  }
  const user = await findUserByTypedUsername(store, username);
  if (user === undefined) throw new CliError(`no user named ${quote(username)}`);
  return user;
}

/**
 * Prints rows as aligned columns; the first row is the header. Cells hold
 * client text (emails, user agents), so control characters are escaped.
 */
export function printTable(io: Io, cells: string[][]): void {
  const rows = cells.map((row) => row.map(escapeControl));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    io.stdout.write(
      `${row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

export const isoTime = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
