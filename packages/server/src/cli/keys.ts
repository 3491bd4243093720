import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { ensureSigningKeys } from '../keys/ensure.js';
import { acceptedUntil, loadKeys, retiredWindowMs } from '../keys/key-set.js';
import { retireSigningKey, revokeSigningKey, rotateSigningKeys } from '../keys/rotation.js';
import { JWKS_MAX_AGE_SECONDS } from '../keys/settings.js';
import { ensureSecretKey } from '../secret-key.js';
import type { SigningKeyRecord, Store } from '../store/types.js';
import { isoTime, printTable, quote, withStore } from './common.js';
import { CliError, type Io } from './io.js';

const SUBCOMMANDS = 'list, rotate [--now], retire KID or revoke KID';

/**
 * `tessera keys list|rotate|retire|revoke`: the signing keys. Every
 * subcommand first makes the keys that are missing, as a starting server would.
 */
export async function keysCommand(config: Config, io: Io, args: string[]): Promise<void> {
  const [subcommand, ...rest] = args;
  // A kid is base64url and may begin with '-': taken as it is, never as an option.
  const kidFirst = (subcommand === 'retire' || subcommand === 'revoke') && rest[0] !== undefined && rest[0] !== '--now';
  const parsed = parseArgs({
    args: kidFirst ? rest.slice(1) : rest,
    allowPositionals: true,
    options: { now: { type: 'boolean', default: false } },
  });
  const { values } = parsed;
  const positionals = kidFirst ? [rest[0]!, ...parsed.positionals] : parsed.positionals;
  if (subcommand === 'list' || subcommand === 'rotate') {
    if (positionals.length > 0) throw new CliError(`keys ${subcommand} takes no arguments`);
  } else if (subcommand === 'retire' || subcommand === 'revoke') {
    if (positionals.length !== 1) throw new CliError(`give exactly one kid, e.g. tessera keys ${subcommand} KID`);
  } else {
    throw new CliError(`keys needs a subcommand: ${SUBCOMMANDS}`);
  }
  if (values.now && subcommand !== 'rotate') throw new CliError('--now applies to keys rotate only');
  const secretKey = ensureSecretKey(config, (message) => io.stderr.write(`tessera: ${message}\n`));
  const now = Date.now();
  const options = { secretKey, algorithm: config.signingAlgorithm, now };
  await withStore(config, io, async (store) => {
    const rows = await ensureSigningKeys(store, { ...options, replaceNext: true });
    // Opens the current and next keys as a server would: under another secret key, fail before changing anything.
    loadKeys(rows, secretKey, config, now);
    if (subcommand === 'list') return listKeys(store, config, io, now);
    if (subcommand === 'rotate') return rotateKeys(store, io, { ...options, force: values.now });
    const kid = positionals[0]!;
    return subcommand === 'retire' ? retireKey(store, io, kid, options) : revokeKey(store, io, kid, options);
  });
}

async function listKeys(store: Store, config: Config, io: Io, now: number): Promise<void> {
  const windowMs = retiredWindowMs(config);
  const rank = { current: 0, next: 1, retired: 2, revoked: 3 };
  const rows = (await store.listSigningKeys()).sort(
    (a, b) => rank[a.state] - rank[b.state] || b.createdAt - a.createdAt,
  );
  printTable(io, [
    ['KID', 'ALGORITHM', 'STATE', 'CREATED', 'ACTIVATED', 'RETIRED', 'PUBLISHED UNTIL'],
    ...rows.map((row) => [
      row.kid,
      row.algorithm,
      row.state === 'retired' && acceptedUntil(row, windowMs) <= now ? 'retired (expired)' : row.state,
      isoTime(row.createdAt),
      isoTime(row.activatedAt),
      isoTime(row.retiredAt ?? row.revokedAt),
      publishedUntil(row, windowMs),
    ]),
  ]);
}

function publishedUntil(row: SigningKeyRecord, windowMs: number): string {
  if (row.algorithm === 'HS256') return 'never (symmetric)';
  if (row.state === 'revoked') return `no (revoked ${isoTime(row.revokedAt)})`;
  if (row.state === 'retired') return isoTime(acceptedUntil(row, windowMs));
  return 'while in use';
}

type Options = Parameters<typeof rotateSigningKeys>[1];

async function rotateKeys(store: Store, io: Io, options: Options): Promise<void> {
  const outcome = await rotateSigningKeys(store, options);
  if (outcome.kind === 'too_soon') {
    throw new CliError(
      `the next key was published less than ${JWKS_MAX_AGE_SECONDS} s ago and verifiers may not have it yet; ` +
        `rotate at or after ${isoTime(outcome.allowedAt)}, or now with --now`,
    );
  }
  if (outcome.kind === 'conflict') throw new CliError('another instance changed the keys meanwhile; run it again');
  if (outcome.kind === 'no_keys') throw new CliError('there is no current and next key to rotate');
  io.stdout.write(
    `Rotated: ${outcome.current.kid} (${outcome.current.algorithm}) signs now; ${outcome.retired.kid} is retired; ` +
      `the new next key is ${outcome.next.kid} (${outcome.next.algorithm}).\n`,
  );
}

async function retireKey(store: Store, io: Io, kid: string, options: Options): Promise<void> {
  const outcome = await retireSigningKey(store, kid, options);
  if (outcome.kind === 'unknown') throw new CliError(`no signing key ${quote(kid)}`);
  if (outcome.kind === 'is_current') {
    throw new CliError(`${kid} is the current key: rotate first (tessera keys rotate), which retires it`);
  }
  if (outcome.kind === 'conflict') throw new CliError('another instance changed the keys meanwhile; run it again');
  if (outcome.kind === 'already') {
    io.stdout.write(`${kid} is already ${outcome.state}.\n`);
    return;
  }
  io.stdout.write(`Dropped the next key ${kid}, which never signed; the new next key is ${outcome.next.kid}.\n`);
}

async function revokeKey(store: Store, io: Io, kid: string, options: Options): Promise<void> {
  const outcome = await revokeSigningKey(store, kid, options);
  if (outcome.kind === 'unknown') throw new CliError(`no signing key ${quote(kid)}`);
  if (outcome.kind === 'conflict') throw new CliError('another instance changed the keys meanwhile; run it again');
  if (outcome.kind === 'already') {
    io.stdout.write(`${kid} is already revoked.\n`);
    return;
  }
  const promoted = outcome.promoted === undefined ? '' : ` ${outcome.promoted.kid} signs now.`;
  io.stdout.write(`Revoked ${kid}: every token it signed is refused at once.${promoted}\n`);
}
