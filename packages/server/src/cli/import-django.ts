import { parseArgs } from 'node:util';
import { CLI_CLIENT, auditEntry } from '../auth/audit.js';
import { parseDatabaseUrl, type Config } from '../config.js';
import { canLogIn, importProblem } from '../django-import/importable.js';
import { readSimplejwtBlacklist } from '../django-import/read-blacklist.js';
import { readDrfTokens, type HashedDrfToken } from '../django-import/read-drf-tokens.js';
import { readDjangoUsers } from '../django-import/read-users.js';
import { openDjangoSource } from '../django-import/source.js';
import type { ImportedUserOutcome, UserRecord } from '../store/types.js';
import { passwordFormatOf } from './hash-formats.js';
import { printTable, quote, withStore } from './common.js';
import { CliError, type Io } from './io.js';

/**
 * `tessera import django --from URL [--profile-table T] [--role-from T.C] [--with-drf-tokens] [--dry-run]`:
 * brings a Django project's users, ids kept, into tessera's store.
 */
export async function importDjango(config: Config, io: Io, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      'profile-table': { type: 'string' },
      'role-from': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'with-drf-tokens': { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1 || positionals[0] !== 'django') {
    throw new CliError('import what? e.g. tessera import django --from sqlite:./db.sqlite3');
  }
  if (values.from === undefined) {
    throw new CliError('--from is required: sqlite:PATH or postgres://user@host:5432/db, the Django database');
  }
  const problems: string[] = [];
  const location = parseDatabaseUrl(values.from, problems, '--from');
  if (problems.length > 0) throw new CliError(problems.join(' '));

  const source = await openDjangoSource(location);
  let read: UserRecord[];
  let blacklist: Awaited<ReturnType<typeof readSimplejwtBlacklist>>;
  let drfTokens: HashedDrfToken[] | undefined;
  let skipped: Summary['skipped'];
  let users: UserRecord[];
  try {
    read = await readDjangoUsers(source, { profileTable: values['profile-table'], roleFrom: values['role-from'] });
    skipped = read.flatMap((user) => {
      const problem = importProblem(user);
      return problem === undefined ? [] : [{ user, problem }];
    });
    users = read.filter((user) => importProblem(user) === undefined);
    blacklist = await readSimplejwtBlacklist(source, Date.now());
    if (values['with-drf-tokens']) drfTokens = await readDrfTokens(source, new Set(users.map(({ id }) => id)));
  } finally {
    await source.close();
  }
  const dryRun = values['dry-run'];

  const result = await withStore(config, io, (store) =>
    store.importDjango(
      { users, blacklist: blacklist ?? [], drfTokens: drfTokens ?? [] },
      Date.now(),
      { dryRun },
      (done) =>
        auditEntry('users_imported', CLI_CLIENT, Date.now(), { details: { from: 'django', ...countsOf(done) } }),
    ),
  );
  printSummary(io, { read, users, skipped, outcomes: result.users, dryRun });
  io.stdout.write(
    blacklist === undefined
      ? 'SimpleJWT blacklist: none in the Django database (its token_blacklist app is not installed).\n'
      : `SimpleJWT blacklist: ${blacklist.length} unexpired entries (jti and expiry only), ${result.blacklistAdded} new to tessera.\n`,
  );
  if (drfTokens !== undefined) {
    io.stdout.write(
      `DRF Token keys: ${drfTokens.length} (stored as SHA-256 digests), ${result.drfTokensAdded} new to tessera; ` +
        'they authenticate with TESSERA_LEGACY_DRF_TOKENS=on.\n',
    );
  }
}

function countsOf(outcomes: readonly ImportedUserOutcome[]): Record<ImportedUserOutcome['kind'], number> {
  const counts = { imported: 0, updated: 0, unchanged: 0 };
  for (const { kind } of outcomes) counts[kind]++;
  return counts;
}

interface Summary {
  read: UserRecord[];
  users: UserRecord[];
  skipped: Array<{ user: UserRecord; problem: string }>;
  outcomes: ImportedUserOutcome[];
  dryRun: boolean;
}

function printSummary(io: Io, { read, users, skipped, outcomes, dryRun }: Summary): void {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const counts = countsOf(outcomes);
  if (dryRun) say('Dry run: nothing was written. The import would do this:');
  say(
    `Users: ${counts.imported} imported, ${counts.updated} updated, ${counts.unchanged} unchanged, ` +
      `${skipped.length} skipped (of ${read.length} in the Django database).`,
  );
  for (const { user, problem } of skipped) say(`  skipped ${quote(user.username)} (id ${user.id}): ${problem}`);
  const kept = outcomes.filter(({ passwordKept, djangoPasswordChanged }) => passwordKept && djangoPasswordChanged);
  if (kept.length > 0) {
    say(`Passwords changed in tessera since the last import, kept (Django's differs): ${kept.length}`);
    for (const { username } of kept) say(`  ${quote(username)}`);
  }

  const formats = new Map<string, number>();
  for (const { passwordHash } of users) {
    const format = passwordFormatOf(passwordHash);
    formats.set(format, (formats.get(format) ?? 0) + 1);
  }
  say("Password hash formats found (each is rewritten as argon2id at the user's next login):");
  printTable(io, [
    ['FORMAT', 'USERS'],
    ...[...formats].sort(([a, m], [b, n]) => n - m || a.localeCompare(b)).map(([f, n]) => [f, String(n)]),
  ]);

  const keptIds = new Set(outcomes.filter(({ passwordKept }) => passwordKept).map(({ id }) => id));
  const needReset = users.filter((user) => !keptIds.has(user.id) && !canLogIn(user.passwordHash));
  say(`Users who will need a password reset (no password tessera can check): ${needReset.length}`);
  for (const user of needReset) say(`  ${quote(user.username)} (${passwordFormatOf(user.passwordHash)})`);
}

/** `tessera revoke-drf-tokens`: ends every DRF `Token` key the import brought, at once. */
export async function revokeDrfTokens(config: Config, io: Io, args: string[]): Promise<void> {
  parseArgs({ args, options: {} });
  const revoked = await withStore(config, io, (store) =>
    store.revokeDrfTokens(auditEntry('drf_tokens_revoked', CLI_CLIENT, Date.now(), { details: { via: 'cli' } })),
  );
  io.stdout.write(`Revoked ${revoked} DRF Token keys; "Authorization: Token" no longer authenticates anyone.\n`);
}
