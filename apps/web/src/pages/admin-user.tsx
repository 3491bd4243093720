import type { AdminUserResponse } from '@tessera/protocol';
import { useAuth } from '@tessera/react';
import { useCallback, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { formatTime } from '../api';
import { adminApi } from '../admin/admin-api';
import { yesNo } from '../admin/filter-fields';
import { Notice } from '../admin/notice';
import { AdminNav, useStaffStatus } from '../admin/staff-only';
import { useAdminAction } from '../admin/use-admin-action';
import { useAdminLoad } from '../admin/use-admin-load';
import { UserAudit } from '../admin/user-audit';
import { UserDetailsForm } from '../admin/user-details-form';
import { UserPassword } from '../admin/user-password';
import { UserRightsForm } from '../admin/user-rights-form';
import { UserSessions } from '../admin/user-sessions';
import { PageHeading } from '../page-heading';

/** `/admin/users/:id`: one user's profile, rights, password, sessions and recent events, and what staff may do. */
export function AdminUserPage() {
  const { fetch } = useAuth();
  const staff = useStaffStatus();
  const api = useMemo(() => adminApi(fetch), [fetch]);
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const { value: user, setValue: setUser, error: loadError } = useAdminLoad(() => api.getUser(id), [api, id]);
  // Bumped after every change: sessions and events are read again, since most changes end or add some.
  const [revision, setRevision] = useState(0);
  const { act, notice, busy } = useAdminAction();
  const superuser = staff.state === 'staff' && staff.superuser;

  const changed = useCallback((saved?: AdminUserResponse) => {
    if (saved !== undefined) setUser(saved);
    setRevision((n) => n + 1);
  }, []);

  if (user === null) {
    return (
      <section className="card wide">
        <PageHeading>User</PageHeading>
        <AdminNav />
        {loadError ? (
          <p className="error" role="alert">
            {loadError}
          </p>
        ) : (
          <p className="muted" role="status">
            Loading the user…
          </p>
        )}
      </section>
    );
  }

  const setActive = (active: boolean) =>
    act(
      async () => {
        changed(await api.updateUser(user.id, { is_active: active }));
        return active
          ? `Reactivated ${user.username}: they can log in again.`
          : `Deactivated ${user.username}: their sessions have ended.`;
      },
      active
        ? undefined
        : `Deactivate ${user.username}? They are logged out everywhere and cannot log in until reactivated.`,
    );
  const remove = async () => {
    const question = `Delete ${user.username} for good? Their sessions end, and this cannot be undone.`;
    if (await act(async () => (await api.deleteUser(user.id), ''), question)) {
      await navigate('/admin', { state: { notice: `Deleted ${user.username}.` } });
    }
  };

  return (
    <section className="card wide">
      <PageHeading>{`User ${user.username}`}</PageHeading>
      <AdminNav />
      <dl className="user-facts">
        <div>
          <dt>Name</dt>
          <dd>{`${user.first_name} ${user.last_name}`.trim() || '—'}</dd>
        </div>
        <div>
          <dt>Email</dt>
          <dd>
            {user.email || '—'}
            {user.email !== '' && (user.email_verified ? ' (verified)' : ' (not verified)')}
          </dd>
        </div>
        <div>
          <dt>Active</dt>
          <dd>{yesNo(user.is_active)}</dd>
        </div>
        <div>
          <dt>Staff</dt>
          <dd>{yesNo(user.is_staff)}</dd>
        </div>
        <div>
          <dt>Superuser</dt>
          <dd>{yesNo(user.is_superuser)}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{user.role}</dd>
        </div>
        <div>
          <dt>Permissions</dt>
          <dd>{user.permissions.length > 0 ? user.permissions.join(', ') : 'none'}</dd>
        </div>
        <div>
          <dt>Last login</dt>
          <dd>{formatTime(user.last_login)}</dd>
        </div>
        <div>
          <dt>Joined</dt>
          <dd>{formatTime(user.date_joined)}</dd>
        </div>
      </dl>
      <Notice notice={notice} />
      <div className="actions">
        {user.is_active ? (
          <button type="button" className="button danger" disabled={busy} onClick={() => void setActive(false)}>
            Deactivate
          </button>
        ) : (
          <button type="button" className="button" disabled={busy} onClick={() => void setActive(true)}>
            Reactivate
          </button>
        )}
        {superuser && (
          <button type="button" className="button danger" disabled={busy} onClick={() => void remove()}>
            Delete user
          </button>
        )}
      </div>
      <UserDetailsForm key={`details-${user.id}`} api={api} user={user} onSaved={changed} />
      <UserRightsForm key={`rights-${user.id}`} api={api} user={user} superuser={superuser} onSaved={changed} />
      <UserPassword api={api} user={user} onChanged={changed} />
      <UserSessions api={api} user={user} revision={revision} onChanged={changed} />
      <UserAudit api={api} user={user} revision={revision} />
    </section>
  );
}
