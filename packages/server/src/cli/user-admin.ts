/**
 * The admin API's user changes from the command line, for an operator on the
 * server: the same store calls, the same checks of emails, roles and
 * permissions, the same audit entries (`via: cli`), and the last active
 * superuser kept. The shell is trusted as Django's manage.py is: no rights rules.
 */
import { parseArgs } from 'node:util';
import { MAX_NAME_LENGTH, emailProblems, permissionProblems, roleProblems } from '../auth/account-rules.js';
import { CLI_CLIENT, auditEntry } from '../auth/audit.js';
import type { Config } from '../config.js';
import { LastSuperuserError, type Store, type UserChanges, type UserRecord } from '../store/types.js';
import { quote, requireUser, withStore } from './common.js';
import { CliError, createPrompter, type Io } from './io.js';

const lastSuperuser = (user: UserRecord) =>
  new CliError(`"${user.username}" is the last active superuser; make another superuser first`);

/** Applies `changes` to the user, audited; says what the last-superuser rule refused, in words. */
async function applyChanges(store: Store, user: UserRecord, changes: UserChanges): Promise<UserRecord> {
  const now = Date.now();
  const fields = Object.keys(changes).join(',');
  const audit = auditEntry('user_updated', CLI_CLIENT, now, {
    userId: user.id,
    username: user.username,
    details: { via: 'cli', fields },
  });
  try {
    const updated = await store.updateUser(user.id, changes, now, audit);
    if (updated === undefined) throw new CliError(`no user named ${quote(user.username)}`);
    return updated;
  } catch (error) {
    throw error instanceof LastSuperuserError ? lastSuperuser(user) : error;
  }
}

/** A command's one username, and its other positionals. */
function positionalsOf(args: string[], command: string, extra: string): { username: string[]; rest: string[] } {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [username, ...rest] = positionals;
  if (username === undefined || rest.length === 0) {
    throw new CliError(`give a username and ${extra}, e.g. tessera ${command} alice ${extra}`);
  }
  return { username: [username], rest };
}

/** `tessera setstaff|unsetstaff|setsuperuser|unsetsuperuser USERNAME`: ends the user's sessions. */
export async function setFlag(
  config: Config,
  io: Io,
  args: string[],
  flag: 'staff' | 'superuser',
  on: boolean,
): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const command = `${on ? 'set' : 'unset'}${flag}`;
  await withStore(config, io, async (store) => {
    const user = await requireUser(store, positionals, command);
    // A superuser is staff too, as createuser --superuser makes one.
    const changes: UserChanges =
      flag === 'staff' ? { isStaff: on } : on ? { isSuperuser: true, isStaff: true } : { isSuperuser: false };
    await applyChanges(store, user, changes);
    const what = flag === 'staff' ? 'staff' : 'a superuser';
    io.stdout.write(`"${user.username}" is ${on ? '' : 'no longer '}${what}; every session was ended.\n`);
  });
}

/** `tessera setrole USERNAME ROLE`: ends the user's sessions. */
export async function setRole(config: Config, io: Io, args: string[]): Promise<void> {
  const { username, rest } = positionalsOf(args, 'setrole', 'ROLE');
  const [role, ...extra] = rest;
  if (extra.length > 0) throw new CliError('give one role, e.g. tessera setrole alice editor');
  const problems = roleProblems(role!);
  if (problems.length > 0) throw new CliError(`invalid role ${quote(role!)}: ${problems.join(' ')}`);
  await withStore(config, io, async (store) => {
    const user = await requireUser(store, username, 'setrole');
    await applyChanges(store, user, { role });
    io.stdout.write(`"${user.username}" now has the role "${role}"; every session was ended.\n`);
  });
}

/** `tessera grant-permission|revoke-permission USERNAME PERMISSION...`: ends the user's sessions. */
export async function changePermissions(config: Config, io: Io, args: string[], grant: boolean): Promise<void> {
  const command = grant ? 'grant-permission' : 'revoke-permission';
  const { username, rest } = positionalsOf(args, command, 'PERMISSION');
  for (const permission of rest) {
    const problems = permissionProblems(permission);
    if (problems.length > 0) throw new CliError(`invalid permission ${quote(permission)}: ${problems.join(' ')}`);
  }
  await withStore(config, io, async (store) => {
    const user = await requireUser(store, username, command);
    const permissions = grant
      ? [...user.permissions, ...rest.filter((p, i) => !user.permissions.includes(p) && rest.indexOf(p) === i)]
      : user.permissions.filter((p) => !rest.includes(p));
    const updated = await applyChanges(store, user, { permissions });
    const list = updated.permissions.length === 0 ? 'none' : updated.permissions.join(', ');
    io.stdout.write(`Permissions of "${user.username}": ${list}; every session was ended.\n`);
  });
}

/** `tessera edituser USERNAME [--email E] [--first-name F] [--last-name L]`: sessions stay. */
export async function editUser(config: Config, io: Io, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { email: { type: 'string' }, 'first-name': { type: 'string' }, 'last-name': { type: 'string' } },
  });
  const email = values.email?.trim();
  if (email !== undefined && emailProblems(email).length > 0) {
    throw new CliError(`invalid email ${quote(values.email!)}: ${emailProblems(email).join(' ')}`);
  }
  const changes: UserChanges = {
    email,
    firstName: values['first-name']?.trim(),
    lastName: values['last-name']?.trim(),
  };
  for (const [option, value] of [
    ['--first-name', changes.firstName],
    ['--last-name', changes.lastName],
  ] as const) {
    if (value !== undefined && [...value].length > MAX_NAME_LENGTH) {
      throw new CliError(`${option} is longer than ${MAX_NAME_LENGTH} characters`);
    }
  }
  if (Object.values(changes).every((value) => value === undefined)) {
    throw new CliError('give at least one of --email, --first-name and --last-name');
  }
  await withStore(config, io, async (store) => {
    const user = await requireUser(store, positionals, 'edituser');
    const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    await applyChanges(store, user, given);
    io.stdout.write(`Updated "${user.username}".\n`);
  });
}

/** `tessera deleteuser USERNAME [--yes]`: asks to type the username again unless --yes. */
export async function deleteUser(config: Config, io: Io, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { yes: { type: 'boolean', default: false } },
  });
  await withStore(config, io, async (store) => {
    const user = await requireUser(store, positionals, 'deleteuser');
    if (!values.yes) {
      const prompter = createPrompter(io);
      try {
        const typed = await prompter.ask(`Type "${user.username}" to delete the user and end every session: `);
        if (typed.trim() !== user.username) throw new CliError('not confirmed; nothing was deleted');
      } finally {
        prompter.close();
      }
    }
    const now = Date.now();
    const audit = auditEntry('user_deleted', CLI_CLIENT, now, {
      userId: user.id,
      username: user.username,
      details: { via: 'cli' },
    });
    try {
      await store.deleteUser(user.id, now, audit);
    } catch (error) {
      throw error instanceof LastSuperuserError ? lastSuperuser(user) : error;
    }
    io.stdout.write(`Deleted "${user.username}"; every session was ended.\n`);
  });
}
