import { AuthError } from '../errors.js';
import type { SessionUser, UserChanges } from '../store/types.js';

/**
 * Who may change whom, as Django admin would with its permissions set
 * strictly: a staff member manages ordinary accounts; rights (staff,
 * superuser) and accounts that hold them are a superuser's; nobody raises
 * their own rights. Each refusal is a 403 that says which rule it is.
 */
export const adminRefusals = {
  grantRights: 'Only a superuser can grant or remove staff or superuser status.',
  privilegedTarget: 'Only a superuser can change a staff member or a superuser.',
  ownRights: 'You cannot change your own staff status, superuser status, role or permissions.',
} as const;

const refuse = (detail: string) => new AuthError('permission_denied', { detail });

/** The changes that are rights: staff, superuser, role and permissions. */
function touchesRights(changes: UserChanges): boolean {
  return (
    changes.isStaff !== undefined ||
    changes.isSuperuser !== undefined ||
    changes.role !== undefined ||
    changes.permissions !== undefined
  );
}

/**
 * May `actor` act on `target` at all (edit, set a password, end sessions)?
 * A staff member may act on ordinary accounts and on their own.
 * @throws {AuthError} 403 `permission_denied`
 */
export function requireMayManage(actor: SessionUser, target: SessionUser): void {
  if (actor.isSuperuser || actor.id === target.id) return;
  if (target.isStaff || target.isSuperuser) throw refuse(adminRefusals.privilegedTarget);
}

/**
 * May `actor` apply `changes` to `target`? Lowering one's own rights is
 * allowed only by giving up staff status; changing one's own role or
 * permissions is not (a role may mean more than it says).
 * @throws {AuthError} 403 `permission_denied`
 */
export function requireMayChange(actor: SessionUser, target: SessionUser, changes: UserChanges): void {
  requireMayManage(actor, target);
  if (actor.id === target.id && touchesRights(changes)) {
    const givingUpOnly =
      changes.role === undefined &&
      changes.permissions === undefined &&
      changes.isStaff !== true &&
      changes.isSuperuser !== true;
    if (!givingUpOnly) throw refuse(adminRefusals.ownRights);
    return;
  }
  const flagsChange =
    (changes.isStaff !== undefined && changes.isStaff !== target.isStaff) ||
    (changes.isSuperuser !== undefined && changes.isSuperuser !== target.isSuperuser);
  if (flagsChange && !actor.isSuperuser) throw refuse(adminRefusals.grantRights);
}

/**
 * May `actor` create a user with these flags? Staff and superusers are made by superusers.
 * @throws {AuthError} 403 `permission_denied`
 */
export function requireMayCreate(actor: SessionUser, flags: { isStaff: boolean; isSuperuser: boolean }): void {
  if ((flags.isStaff || flags.isSuperuser) && !actor.isSuperuser) throw refuse(adminRefusals.grantRights);
}
