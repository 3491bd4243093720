/**
 * What a username and an email must look like, as Django's user model
 * checks them, for registration, profile updates and the CLI alike.
 */

export const accountMessages = {
  invalidUsername: 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
  usernameTaken: 'A user with that username already exists.',
  invalidEmail: 'Enter a valid email address.',
  wrongOldPassword: 'Your old password was entered incorrectly. Please enter it again.',
  invalidRole: 'Enter a valid role: letters, digits and _ . - only.',
  invalidPermission: 'Enter a valid permission: letters, digits and _ . : - only.',
} as const;

export const MAX_USERNAME_LENGTH = 150;
export const MAX_NAME_LENGTH = 150;
export const MAX_EMAIL_LENGTH = 254;
/** The users table's `role` column is `varchar(64)`. */
export const MAX_ROLE_LENGTH = 64;
export const MAX_PERMISSION_LENGTH = 100;
export const MAX_PERMISSIONS = 100;

/** A role or a permission is a name a service can compare: `editor`, `notes.edit`, `billing:refund`. */
const ROLE = /^[\w.-]+$/;
export const PERMISSION = /^[\w.:-]+$/;

// Django's UnicodeUsernameValidator.
const USERNAME = /^[\p{L}\p{N}_.@+-]+$/u;

// One @, a non-empty local part, and a dotted domain of letters, digits and hyphens: what a form should refuse.
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;

/** The problems of a username: empty when it is valid. */
export function usernameProblems(username: string): string[] {
  return USERNAME.test(username) && [...username].length <= MAX_USERNAME_LENGTH
    ? []
    : [accountMessages.invalidUsername];
}

/** The problems of an email address; the empty string means none given, which is allowed. */
export function emailProblems(email: string): string[] {
  return email === '' || (EMAIL.test(email) && email.length <= MAX_EMAIL_LENGTH) ? [] : [accountMessages.invalidEmail];
}

/**
 * A username in NFKC form, as Django's `AbstractBaseUser.normalize_username`
 * stores it: `ａｌｉｃｅ` (fullwidth) is `alice`, so a look-alike cannot be
 * registered next to it. Case is kept: usernames stay case-sensitive.
 */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC');
}

/** The problems of a role name: empty when it is valid. */
export function roleProblems(role: string): string[] {
  return ROLE.test(role) && role.length <= MAX_ROLE_LENGTH ? [] : [accountMessages.invalidRole];
}

/** The problems of a permission name: empty when it is valid. */
export function permissionProblems(permission: string): string[] {
  return PERMISSION.test(permission) && permission.length <= MAX_PERMISSION_LENGTH
    ? []
    : [accountMessages.invalidPermission];
}
