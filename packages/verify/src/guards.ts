/**
 * Permission checks on verified claims, as DRF's permission classes and
 * Django's `has_perm` decide them, reading what tessera puts in the token
 * (`TESSERA_EXTRA_CLAIMS`): `permissions`, `role`, `is_staff`,
 * `is_superuser`. Not authenticated is 401; authenticated but not allowed is
 * 403 `{"detail":"You do not have permission to perform this action.","code":"permission_denied"}`,
 * as tessera answers it.
 */
import type { AccessClaims } from './claims.js';
import { VerifyError } from './errors.js';

/** Throws the answer when the caller may not go on; a framework adapter turns it into a reply. */
export type Guard = (claims: AccessClaims | undefined | null) => void;

/**
 * Whether the claims carry `permission` (`app_label.codename`); an active
 * superuser has every permission, as Django's `has_perm` says.
 * @example
 * ```ts
 * requirePermission('notes.view')(claims); // throws 403 unless allowed
 * ```
 */
export function requirePermission(permission: string): Guard {
  return guard(
    (claims) =>
      claims.is_superuser === true || (Array.isArray(claims.permissions) && claims.permissions.includes(permission)),
  );
}

/**
 * Whether the claims' `role` is one of `roles`.
 * @example
 * ```ts
 * requireRole('editor', 'admin')(claims);
 * ```
 */
export function requireRole(...roles: [string, ...string[]]): Guard {
  return guard((claims) => typeof claims.role === 'string' && roles.includes(claims.role));
}

/**
 * DRF's `IsAdminUser`: `is_staff`.
 * @example
 * ```ts
 * requireStaff()(claims);
 * ```
 */
export function requireStaff(): Guard {
  return guard((claims) => claims.is_staff === true);
}

/**
 * DRF's `IsAuthenticated`: any valid token.
 * @example
 * ```ts
 * requireAuthenticated()(undefined); // throws 401 not_authenticated
 * ```
 */
export function requireAuthenticated(): Guard {
  return guard(() => true);
}

function guard(allowed: (claims: AccessClaims) => boolean): Guard {
  return (claims) => {
    if (claims === undefined || claims === null) throw new VerifyError('not_authenticated');
    if (!allowed(claims)) throw new VerifyError('permission_denied');
  };
}
