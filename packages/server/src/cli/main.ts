import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, resolveConfig } from '../config.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { pruneStore } from '../store/prune.js';
import { withStore } from './common.js';
import { CliError, type Io } from './io.js';
import { listAudit } from './audit.js';
import { keysCommand } from './keys.js';
import { listOutbox } from './outbox.js';
import { serve } from './serve.js';
import { services } from './services.js';
import { listSessions, revokeSessions } from './sessions.js';
import { countHashFormats } from './hash-formats.js';
import { importDjango, revokeDrfTokens } from './import-django.js';
import { changePassword, createSuperuser, createUser, listUsers, markEmailVerified, setActive } from './users.js';
import { changePermissions, deleteUser, editUser, setFlag, setRole } from './user-admin.js';

const USAGE = `Usage: tessera <command> [options]

Commands:
  serve [--workers N|auto]      run the server (PORT, HOST, DATABASE_URL, ...); --workers (or
                                TESSERA_WORKERS): N processes on the one port, auto one per CPU
  migrate                       bring the database schema up to date
  createuser --username U [--password P] [--email E] [--first-name F]
             [--last-name L] [--inactive] [--staff] [--superuser]
             [--role R] [--permission P]... [--verified]
                                create a user (password also from TESSERA_PASSWORD or a prompt;
                                --verified: its e-mail address is verified)
  createsuperuser [--username U] [--email E] [--no-input]
                                create a superuser, asking for what is missing
  changepassword USERNAME [--password P]
                                set a new password (also from TESSERA_PASSWORD or a prompt)
                                and end every session
  deactivate USERNAME           forbid logins and end every session
  activate USERNAME             allow logins again
  verifyemail USERNAME | --all  mark the user's e-mail address verified (--all: every user's,
                                e.g. after an import)
  edituser USERNAME [--email E] [--first-name F] [--last-name L]
                                change a user's email or names (the email checked as the API does)
  setstaff USERNAME             make a user staff; ends every session, so new tokens say so
  unsetstaff USERNAME           take staff status away; ends every session
  setsuperuser USERNAME         make a user a superuser (and staff); ends every session
  unsetsuperuser USERNAME       take superuser status away (never from the last active one)
  setrole USERNAME ROLE         set a user's role; ends every session
  grant-permission USERNAME PERMISSION...
                                add permissions to a user; ends every session
  revoke-permission USERNAME PERMISSION...
                                remove permissions from a user; ends every session
  deleteuser USERNAME [--yes]   delete a user (never the last active superuser) after typing the
                                username again, or at once with --yes; ends every session
  users [--hash-formats]        list the users (--hash-formats: how many are on each password
                                hash format; Django's are upgraded at each user's next login)
  sessions USERNAME [--all]     list the user's live sessions, and which are device-bound (DPoP);
                                --all: ended ones too
  revoke USERNAME [--session ID]
                                end one session, or every session, of the user
  audit [--user U] [--event E] [--since T] [--limit N]
                                security events, newest first (T: ISO 8601)
  services create NAME          let a service read the revocation feed; prints its secret
                                once, alone on the last line (only a hash is stored)
           list                 list the services, live and revoked
           revoke NAME          revoke a service's secret; its open feeds end
  outbox [--retry] [--limit N]  mail not sent yet: pending (with its next attempt) and failed
                                (--retry: send the failed ones again)
  flushexpired                  delete expired refresh tokens, their finished sessions,
                                audit entries past TESSERA_AUDIT_RETENTION_DAYS, mail sent over a
                                week ago, and expired reset and verification tokens
  import django --from URL [--profile-table TABLE] [--role-from TABLE.COLUMN]
                [--with-drf-tokens] [--dry-run]
                                bring a Django project's users (ids, hashes, permissions) and
                                SimpleJWT blacklist from its database (sqlite:PATH or
                                postgres://...); run again to take changes
  revoke-drf-tokens             end every DRF Token key the import brought
  keys list | rotate [--now] | retire KID | revoke KID
                                the signing keys: list them (state, dates, until when each is
                                published); rotate (the next key signs, the current one retires,
                                a new next key is made; --now even if the next key was published
                                less than 300 s ago); retire a next key that never signed; revoke
                                a key: every token it signed is refused at once, everywhere

Every command reads DATABASE_URL (default sqlite:./data/tessera.sqlite).
`;

/**
 * Runs one CLI command and returns the exit status. Errors are one line on
 * stderr: `tessera: <what went wrong>`.
 */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  try {
    const config = resolveConfig(io.env);
    switch (command) {
      case 'serve':
        return await serve(config, args);
      case 'migrate':
        parseArgs({ args, options: {} });
        // Opening the store migrates it.
        await withStore(config, io, () => Promise.resolve());
        io.stdout.write('Migrations applied; the schema is up to date.\n');
        return 0;
      case 'createuser':
        await createUser(config, io, args);
        return 0;
      case 'createsuperuser':
        await createSuperuser(config, io, args);
        return 0;
      case 'changepassword':
        await changePassword(config, io, args);
        return 0;
      case 'deactivate':
      case 'activate':
        await setActive(config, io, args, command === 'activate');
        return 0;
      case 'verifyemail':
        await markEmailVerified(config, io, args);
        return 0;
      case 'edituser':
        await editUser(config, io, args);
        return 0;
      case 'setstaff':
      case 'unsetstaff':
        await setFlag(config, io, args, 'staff', command === 'setstaff');
        return 0;
      case 'setsuperuser':
      case 'unsetsuperuser':
        await setFlag(config, io, args, 'superuser', command === 'setsuperuser');
        return 0;
      case 'setrole':
        await setRole(config, io, args);
        return 0;
      case 'grant-permission':
      case 'revoke-permission':
        await changePermissions(config, io, args, command === 'grant-permission');
        return 0;
      case 'deleteuser':
        await deleteUser(config, io, args);
        return 0;
      case 'sessions':
        await listSessions(config, io, args);
        return 0;
      case 'revoke':
        await revokeSessions(config, io, args);
        return 0;
      case 'audit':
        await listAudit(config, io, args);
        return 0;
      case 'services':
        await services(config, io, args);
        return 0;
      case 'users': {
        const { values } = parseArgs({ args, options: { 'hash-formats': { type: 'boolean', default: false } } });
        await (values['hash-formats'] ? countHashFormats(config, io) : listUsers(config, io));
        return 0;
      }
      case 'keys':
        await keysCommand(config, io, args);
        return 0;
      case 'import':
        await importDjango(config, io, args);
        return 0;
      case 'revoke-drf-tokens':
        await revokeDrfTokens(config, io, args);
        return 0;
      case 'outbox':
        await listOutbox(config, io, args);
        return 0;
      case 'flushexpired': {
        parseArgs({ args, options: {} });
        const removed = await withStore(config, io, (store) => pruneStore(store, config, Date.now()));
        io.stdout.write(
          `Deleted ${removed.tokens} expired refresh tokens, ${removed.sessions} finished sessions and ` +
            `${removed.auditEntries} audit entries past the retention.\n`,
        );
        return 0;
      }
      default:
        io.stderr.write(`tessera: unknown command ${JSON.stringify(command)}; run "tessera help" for the list\n`);
        return 2;
    }
  } catch (error) {
    io.stderr.write(`tessera: ${describe(error)}\n`);
    return 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof ConfigError) return `invalid configuration: ${error.problems.join(' ')}`;
  if (error instanceof CliError) return error.message;
  if (error instanceof StoreUnavailableError) {
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    return `cannot reach the database (${cause}); is it running?`;
  }
  // parseArgs reports unknown or malformed options with a clear message.
  if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    return error.message;
  }
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

/**
 * Reads `.env` in the working directory into `process.env`, when there is
 * one, with Node's own parser; a variable already set in the environment
 * keeps its value. Called once, before the configuration is read.
 *
 * @example
 * ```ts
 * loadDotEnv();
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

function processIo(): Io {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
