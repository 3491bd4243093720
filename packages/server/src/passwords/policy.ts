/**
 * The password policy, applied wherever a password is set (registration,
 * password change, the CLI) and never at login: Django's four validators,
 * plus an upper bound in bytes so that hashing cost stays bounded.
 */
import { MAX_PASSWORD_BYTES } from './hasher.js';

export const MIN_PASSWORD_LENGTH = 8;

export const passwordMessages = {
  tooShort: `This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`,
  tooLong: `This password is too long. It must contain at most ${MAX_PASSWORD_BYTES} bytes.`,
  entirelyNumeric: 'This password is entirely numeric.',
  similarToUsername: 'The password is too similar to the username.',
  tooCommon: 'This password is too common.',
} as const;

let commonPasswords: Promise<ReadonlySet<string>> | undefined;

/**
 * About 49,000 passwords seen most often in breaches (zxcvbn's list, MIT),
 * lowercased. Loaded on first use: it costs a few megabytes and ~30 ms.
 */
export function loadCommonPasswords(): Promise<ReadonlySet<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set(dictionary['passwords-common'].map((password) => password.toLowerCase())),
  );
  return commonPasswords;
}

/** Letters and digits only, lowercased: `Alice.Smith` and `alicesmith` compare equal. */
function fold(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

function resemblesUsername(password: string, username: string): boolean {
  const name = fold(username);
  const folded = fold(password);
  if (name === '' || folded === '') return false;
  // A short username inside a long password is no weakness; the username with a few characters added is.
  return folded === name || (name.length >= 4 && folded.includes(name) && folded.length - name.length < 4);
}

/**
 * Every rule `password` breaks, in a fixed order; empty when it may be set.
 *
 * @example
 * ```ts
 * await checkPasswordPolicy('12345678', { username: 'alice' });
 * // ['This password is too common.', 'This password is entirely numeric.']
 * ```
 */
export async function checkPasswordPolicy(password: string, user: { username: string }): Promise<string[]> {
  const problems: string[] = [];
  if (resemblesUsername(password, user.username)) problems.push(passwordMessages.similarToUsername);
  if ([...password].length < MIN_PASSWORD_LENGTH) problems.push(passwordMessages.tooShort);
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) problems.push(passwordMessages.tooLong);
  else if ((await loadCommonPasswords()).has(password.toLowerCase())) problems.push(passwordMessages.tooCommon);
  if (/^\d+$/.test(password)) problems.push(passwordMessages.entirelyNumeric);
  return problems;
}
