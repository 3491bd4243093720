import { verificationPaths } from '@tessera/protocol';
import { parseArgs } from 'node:util';
import { CLI_CLIENT, auditEntry } from '../auth/audit.js';
import type { Config } from '../config.js';
import { hashServiceSecret, isServiceName, newServiceSecret } from '../revocation/service-credentials.js';
import { DuplicateServiceError } from '../store/types.js';
import { isoTime, printTable, quote, withStore } from './common.js';
import { CliError, type Io } from './io.js';

/** The one service name the positional arguments give, checked against the naming rule. */
function requireServiceName(positionals: string[], command: string): string {
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) {
    throw new CliError(`give exactly one service name, e.g. tessera services ${command} reports`);
  }
  if (!isServiceName(name)) {
    throw new CliError(
      `invalid service name ${quote(name)}: use 1 to 64 lowercase letters, digits and - _ . characters, ` +
        'starting with a letter or digit',
    );
  }
  return name;
}

/**
 * `tessera services create NAME`: prints what to do with the secret, then the
 * secret alone on the last line (`| tail -1` takes it). Only its hash is stored.
 */
async function createService(config: Config, io: Io, positionals: string[]): Promise<void> {
  const name = requireServiceName(positionals, 'create');
  const secret = newServiceSecret();
  await withStore(config, io, async (store) => {
    try {
      const now = Date.now();
      const audit = auditEntry('service_created', CLI_CLIENT, now, { details: { service: name, via: 'cli' } });
      await store.createService(name, hashServiceSecret(secret), now, audit);
    } catch (error) {
      if (error instanceof DuplicateServiceError) {
        throw new CliError(`a service named ${quote(name)} exists; revoke it first to issue a new secret`);
      }
      throw error;
    }
  });
  io.stdout.write(
    `Created service "${name}". It reads ${config.pathPrefix}${verificationPaths.revocations} with HTTP Basic: ` +
      `user "${name}", password the secret below.\n` +
      'The secret is shown only this once; tessera keeps only its hash.\n' +
      `${secret}\n`,
  );
}

/** `tessera services list`: every service, live and revoked. */
async function listServices(config: Config, io: Io): Promise<void> {
  const services = await withStore(config, io, (store) => store.listServices());
  if (services.length === 0) {
    io.stdout.write('No services; create one with: tessera services create NAME\n');
    return;
  }
  printTable(io, [
    ['NAME', 'CREATED', 'REVOKED'],
    ...services.map((service) => [service.name, isoTime(service.createdAt), isoTime(service.revokedAt)]),
  ]);
}

/** `tessera services revoke NAME`: its secret stops working, and its open feeds end within a second. */
async function revokeService(config: Config, io: Io, positionals: string[]): Promise<void> {
  const name = requireServiceName(positionals, 'revoke');
  const now = Date.now();
  const audit = auditEntry('service_revoked', CLI_CLIENT, now, { details: { service: name, via: 'cli' } });
  const revoked = await withStore(config, io, (store) => store.revokeService(name, now, audit));
  if (!revoked) throw new CliError(`no live service named ${quote(name)}`);
  io.stdout.write(`Revoked service "${name}"; its secret no longer works.\n`);
}

/** `tessera services create|list|revoke ...` */
export async function services(config: Config, io: Io, args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [verb, ...rest] = positionals;
  switch (verb) {
    case 'create':
      return createService(config, io, rest);
    case 'list':
      if (rest.length > 0) throw new CliError('tessera services list takes no arguments');
      return listServices(config, io);
    case 'revoke':
      return revokeService(config, io, rest);
    default:
      throw new CliError(
        verb === undefined
          ? 'give a subcommand: tessera services create NAME, list, or revoke NAME'
          : `unknown services subcommand ${quote(verb)}; use create NAME, list, or revoke NAME`,
      );
  }
}
