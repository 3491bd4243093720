import type { AdminUserResponse } from '@tessera/protocol';
import { useId, useState, type FormEvent } from 'react';
import { Field } from '../field';
import type { AdminApi } from './admin-api';
import { Notice } from './notice';
import { useAdminAction } from './use-admin-action';

interface UserRightsFormProps {
  api: AdminApi;
  user: AdminUserResponse;
  /** Whether the operator is a superuser: only they change staff and superuser status. */
  superuser: boolean;
  onSaved: (user: AdminUserResponse) => void;
}

/** Permissions as typed: one per line (or comma-separated), blanks dropped. */
function permissionsFrom(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * The user's role, permissions, and staff and superuser status. A change
 * ends the user's sessions (the server does it), so that the next access
 * token carries the new claims: the form says so before saving.
 */
export function UserRightsForm({ api, user, superuser, onSaved }: UserRightsFormProps) {
  const [role, setRole] = useState(user.role);
  const [permissions, setPermissions] = useState(user.permissions.join('\n'));
  const [staff, setStaff] = useState(user.is_staff);
  const [superuserFlag, setSuperuserFlag] = useState(user.is_superuser);
  const { act, notice, fields, busy } = useAdminAction();
  const id = useId();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const changes = {
      role,
      permissions: permissionsFrom(permissions),
      // Flags only when they change: a staff member's save of a role must not read as a grant.
      ...(staff !== user.is_staff ? { is_staff: staff } : {}),
      ...(superuserFlag !== user.is_superuser ? { is_superuser: superuserFlag } : {}),
    };
    const same =
      changes.role === user.role &&
      JSON.stringify(changes.permissions) === JSON.stringify(user.permissions) &&
      staff === user.is_staff &&
      superuserFlag === user.is_superuser;
    await act(async () => {
      if (same) return `The rights of ${user.username} are already these.`;
      const saved = await api.updateUser(user.id, changes);
      onSaved(saved);
      setPermissions(saved.permissions.join('\n'));
      return `Saved the rights of ${user.username}. Their sessions have ended; the new rights apply from their next login.`;
    });
  }

  const permissionErrors = fields.permissions ?? [];
  return (
    <form aria-label="Rights" className="admin-form" onSubmit={(event) => void onSubmit(event)}>
      <h2>Rights</h2>
      <Field
        label="Role"
        name="role"
        maxLength={64}
        value={role}
        errors={fields.role}
        onChange={(event) => setRole(event.target.value)}
      />
      <div className="field">
        <label htmlFor={`${id}-permissions`}>Permissions</label>
        <p className="hint" id={`${id}-hint`}>
          One per line, as app.action (articles.change).
        </p>
        <textarea
          id={`${id}-permissions`}
          name="permissions"
          rows={4}
          value={permissions}
          aria-describedby={`${id}-hint${permissionErrors.length > 0 ? ` ${id}-errors` : ''}`}
          aria-invalid={permissionErrors.length > 0 || undefined}
          onChange={(event) => setPermissions(event.target.value)}
        />
        {permissionErrors.length > 0 && (
          <ul className="field-errors" id={`${id}-errors`}>
            {permissionErrors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
        )}
      </div>
      <fieldset className="flags" aria-describedby={superuser ? undefined : `${id}-flags-hint`}>
        <legend>Status</legend>
        {!superuser && (
          <p className="hint" id={`${id}-flags-hint`}>
            Only a superuser can change staff or superuser status.
          </p>
        )}
        <label>
          <input
            type="checkbox"
            name="is_staff"
            checked={staff}
            disabled={!superuser}
            onChange={(event) => setStaff(event.target.checked)}
          />{' '}
          Staff: may use this console
        </label>
        <label>
          <input
            type="checkbox"
            name="is_superuser"
            checked={superuserFlag}
            disabled={!superuser}
            onChange={(event) => setSuperuserFlag(event.target.checked)}
          />{' '}
          Superuser: every right
        </label>
        {[...(fields.is_staff ?? []), ...(fields.is_superuser ?? [])].map((error) => (
          <p key={error} className="field-errors">
            {error}
          </p>
        ))}
      </fieldset>
      <p className="hint">Saving a change of rights ends the user&apos;s sessions.</p>
      <Notice notice={notice} />
      <button type="submit" className="button" disabled={busy}>
        Save rights
      </button>
    </form>
  );
}
