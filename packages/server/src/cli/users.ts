import { parseArgs } from 'node:util';
import { emailProblems, normalizeUsername, usernameProblems } from '../auth/account-rules.js';
import { CLI_CLIENT, auditEntry } from '../auth/audit.js';
import type { Config } from '../config.js';
import { createArgon2idHasher } from '../passwords/argon2.js';
import { MAX_PASSWORD_BYTES, isHashablePassword } from '../passwords/hasher.js';
import { checkPasswordPolicy } from '../passwords/policy.js';
import { DuplicateUsernameError, type NewUser, type UserRecord } from '../store/types.js';
import { isoTime, printTable, quote, requireUser, withStore } from './common.js';
import { CliError, createPrompter, type Io } from './io.js';

/** The username in NFKC form, as it is stored, when it is valid. */
function checkUsername(typed: string): string {
  const username = normalizeUsername(typed);
  if (usernameProblems(username).length > 0) {
    throw new CliError(`invalid username ${quote(typed)}: use 1 to 150 letters, digits and @ . + - _ characters`);
  }
  return username;
}

/** The password policy, as the API applies it. */
async function checkPassword(password: string, username: string): Promise<string> {
  if (password.trim() === '') throw new CliError('the password may not be blank');
  if (!isHashablePassword(password)) throw new CliError(`the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  const problems = await checkPasswordPolicy(password, { username });
  if (problems.length > 0) throw new CliError(`the password was refused: ${problems.join(' ')}`);
  return password;
}

/** The password from --password, TESSERA_PASSWORD, or a prompt asked twice; checked by the policy. */
async function obtainPassword(io: Io, given: string | undefined, username: string): Promise<string> {
  const fromEnv = io.env.TESSERA_PASSWORD;
  if (given !== undefined) return checkPassword(given, username);
  if (fromEnv !== undefined && fromEnv !== '') return checkPassword(fromEnv, username);
  const prompter = createPrompter(io);
  try {
    const first = await prompter.ask('Password: ', { hidden: true });
    const second = await prompter.ask('Password (again): ', { hidden: true });
    if (first !== second) throw new CliError("the passwords didn't match");
    return await checkPassword(first, username);
  } finally {
    prompter.close();
  }
}

/** The email address, when the API would accept it too. */
function checkEmail(typed: string): string {
  const email = typed.trim();
  const problems = emailProblems(email);
  if (problems.length > 0) throw new CliError(`invalid email ${quote(typed)}: ${problems.join(' ')}`);
  return email;
}

const usernameTaken = (username: string) => new CliError(`the username ${quote(username)} is taken`);

/** @throws {CliError} when a user has the name already. */
async function requireFreeUsername(config: Config, io: Io, username: string): Promise<void> {
  const existing = await withStore(config, io, (store) => store.findUserByUsername(username));
  if (existing !== undefined) throw usernameTaken(username);
}

/**
 * Creates the user once the username is known to be free, and only then
 * obtains the password: nobody types a password twice to hear the name is taken.
 */
async function insertUser(
  config: Config,
  io: Io,
  input: Omit<NewUser, 'passwordHash' | 'dateJoined'>,
  password: () => Promise<string>,
): Promise<UserRecord> {
  const taken = () => usernameTaken(input.username);
  return withStore(config, io, async (store) => {
    if ((await store.findUserByUsername(input.username)) !== undefined) throw taken();
    const passwordHash = await createArgon2idHasher().hash(await password());
    const now = Date.now();
    const audit = auditEntry('user_created', CLI_CLIENT, now, {
      username: input.username,
      details: { via: 'cli' },
    });
    try {
      return await store.createUser({ ...input, passwordHash, dateJoined: now }, audit);
    } catch (error) {
      // Created by someone else since the check.
      if (error instanceof DuplicateUsernameError) throw taken();
      throw error;
    }
  });
}

/** `tessera createuser --username U [--password P] [...]` */
export async function createUser(config: Config, io: Io, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      password: { type: 'string' },
      email: { type: 'string', default: '' },
      'first-name': { type: 'string', default: '' },
      'last-name': { type: 'string', default: '' },
      inactive: { type: 'boolean', default: false },
      staff: { type: 'boolean', default: false },
      superuser: { type: 'boolean', default: false },
      role: { type: 'string', default: 'viewer' },
      permission: { type: 'string', multiple: true, default: [] },
      verified: { type: 'boolean', default: false },
    },
  });
  if (values.username === undefined) throw new CliError('--username is required');
  if (values.verified && values.email === '')
    throw new CliError('--verified needs --email: it marks that address verified');
  const username = checkUsername(values.username);
  const user = await insertUser(
    config,
    io,
    {
      username,
      email: checkEmail(values.email),
      firstName: values['first-name'],
      lastName: values['last-name'],
      isActive: !values.inactive,
      isStaff: values.staff || values.superuser,
      isSuperuser: values.superuser,
      role: values.role,
      permissions: values.permission,
      emailVerified: values.verified,
    },
    () => obtainPassword(io, values.password, username),
  );
  io.stdout.write(`Created user "${user.username}" (id ${user.id}).\n`);
}

/** `tessera createsuperuser`: asks for what is missing, like Django's. */
export async function createSuperuser(config: Config, io: Io, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      'no-input': { type: 'boolean', default: false },
    },
  });
  let password: string | undefined = io.env.TESSERA_PASSWORD;
  let username = values.username === undefined ? undefined : checkUsername(values.username.trim());
  let email = values.email === undefined ? undefined : checkEmail(values.email);
  if (values['no-input']) {
    if (username === undefined || password === undefined || password === '') {
      throw new CliError('with --no-input, give --username and set TESSERA_PASSWORD');
    }
  } else {
    const prompter = createPrompter(io);
    try {
      // Each answer is checked as it is given: nobody types a password to hear the name is taken.
      username ??= checkUsername((await prompter.ask('Username: ')).trim());
      await requireFreeUsername(config, io, username);
      email ??= checkEmail(await prompter.ask('Email address: '));
      if (password === undefined || password === '') {
        password = await prompter.ask('Password: ', { hidden: true });
        const again = await prompter.ask('Password (again): ', { hidden: true });
        if (password !== again) throw new CliError("the passwords didn't match");
      }
    } finally {
      prompter.close();
    }
  }
  const checkedUsername = username;
  const checkedPassword = password;
  const user = await insertUser(
    config,
    io,
    {
      username: checkedUsername,
      email: email ?? '',
      firstName: '',
      lastName: '',
      isActive: true,
      isStaff: true,
      isSuperuser: true,
      role: 'admin',
      permissions: [],
    },
    () => checkPassword(checkedPassword, checkedUsername),
  );
  io.stdout.write(`Superuser "${user.username}" created successfully.\n`);
}

/** `tessera changepassword USERNAME`: also ends every session of the user. */
export async function changePassword(config: Config, io: Io, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { password: { type: 'string' } },
  });
  await withStore(config, io, async (store) => {
    const user = await requireUser(store, positionals, 'changepassword');
    const password = await obtainPassword(io, values.password, user.username);
    const hash = await createArgon2idHasher().hash(password);
    const now = Date.now();
    const audit = auditEntry('password_changed', CLI_CLIENT, now, {
      userId: user.id,
      username: user.username,
      details: { via: 'cli' },
    });
    await store.setPassword(user.id, hash, now, undefined, audit);
    io.stdout.write(`Password changed for "${user.username}"; every session was ended.\n`);
  });
}

/** `tessera activate|deactivate USERNAME`: deactivating ends every session. */
export async function setActive(config: Config, io: Io, args: string[], active: boolean): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  await withStore(config, io, async (store) => {
    const user = await requireUser(store, positionals, active ? 'activate' : 'deactivate');
    const now = Date.now();
    const event = active ? 'user_activated' : 'user_deactivated';
    const audit = auditEntry(event, CLI_CLIENT, now, { userId: user.id, username: user.username });
    await store.setActive(user.id, active, now, audit);
    io.stdout.write(
      active ? `Activated "${user.username}".\n` : `Deactivated "${user.username}"; every session was ended.\n`,
    );
  });
}

/**
 * `tessera verifyemail USERNAME | --all`: marks the user's address verified
 * (an administrator vouches for it), or every address of users imported
 * before verification was switched on. Users without an address are left as they are.
 */
export async function markEmailVerified(config: Config, io: Io, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { all: { type: 'boolean', default: false } },
  });
  await withStore(config, io, async (store) => {
    if (values.all && positionals.length > 0) throw new CliError('give a username or --all, not both');
    const users = values.all ? await store.listUsers() : [await requireUser(store, positionals, 'verifyemail')];
    let marked = 0;
    for (const user of users) {
      if (user.email === '') {
        if (!values.all) throw new CliError(`"${user.username}" has no e-mail address to mark verified`);
        continue;
      }
      if (user.emailVerified) continue;
      const now = Date.now();
      const audit = auditEntry('email_verified', CLI_CLIENT, now, {
        userId: user.id,
        username: user.username,
        details: { via: 'cli' },
      });
      if (await store.setEmailVerified(user.id, true, now, audit)) marked += 1;
    }
    io.stdout.write(
      values.all
        ? `Marked ${marked} addresses verified.
`
        : `Marked the address of "${users[0]?.username}" verified.
`,
    );
  });
}

/** `tessera users`: one line per user. */
export async function listUsers(config: Config, io: Io): Promise<void> {
  const users = await withStore(config, io, (store) => store.listUsers());
  const rows = [
    ['ID', 'USERNAME', 'EMAIL', 'ACTIVE', 'STAFF', 'SUPERUSER', 'ROLE', 'LAST LOGIN'],
    ...users.map((u) => [
      String(u.id),
      u.username,
      u.email,
      yesNo(u.isActive),
      yesNo(u.isStaff),
      yesNo(u.isSuperuser),
      u.role,
      isoTime(u.lastLogin),
    ]),
  ];
  printTable(io, rows);
}

const yesNo = (flag: boolean): string => (flag ? 'yes' : 'no');
