import { useAuth } from '@tessera/react';
import { useMemo, type FormEvent } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { formatTime } from '../api';
import { adminApi, usersLink } from '../admin/admin-api';
import { Pager } from '../admin/pager';
import { FlagFilter, queryFromForm, yesNo } from '../admin/filter-fields';
import { AdminNav } from '../admin/staff-only';
import { useAdminLoad } from '../admin/use-admin-load';
import { Field } from '../field';
import { PageHeading } from '../page-heading';

/** `/admin`: find users by a term and filters, a page at a time along the API's cursor links. */
export function AdminUsersPage() {
  const { fetch } = useAuth();
  const api = useMemo(() => adminApi(fetch), [fetch]);
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const link = usersLink(params);
  const { value: page, error } = useAdminLoad(() => api.listUsers(link), [api, link]);
  // A user page that deleted its user comes back here saying so.
  const notice = (location.state as { notice?: unknown } | null)?.notice;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // A new search starts from the first page: the cursor belongs to the old one.
    setParams(queryFromForm(event.currentTarget));
  }

  const counted = page === null ? '' : `${page.count.toLocaleString()}${page.count_exact ? '' : '+'}`;
  return (
    <section className="card wide">
      <PageHeading>Users</PageHeading>
      <AdminNav />
      {typeof notice === 'string' && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <form role="search" aria-label="Find users" className="filters" onSubmit={onSubmit} key={params.toString()}>
        <Field
          label="Search"
          name="search"
          type="search"
          hint="Part of a username, email or name."
          defaultValue={params.get('search') ?? ''}
          maxLength={150}
        />
        <FlagFilter label="Active" name="is_active" value={params.get('is_active')} />
        <FlagFilter label="Staff" name="is_staff" value={params.get('is_staff')} />
        <FlagFilter label="Superuser" name="is_superuser" value={params.get('is_superuser')} />
        <FlagFilter label="Email verified" name="email_verified" value={params.get('email_verified')} />
        <Field label="Role" name="role" defaultValue={params.get('role') ?? ''} maxLength={64} />
        <div className="actions">
          <button type="submit" className="button">
            Search
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {page === null ? (
        !error && (
          <p className="muted" role="status">
            Loading users…
          </p>
        )
      ) : (
        <>
          <p className="muted" role="status">
            {page.count === 1 ? '1 user matches.' : `${counted} users match.`}
          </p>
          {page.results.length > 0 && (
            <table className="admin-table" aria-label="Users">
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Active</th>
                  <th scope="col">Staff</th>
                  <th scope="col">Role</th>
                  <th scope="col">Last login</th>
                </tr>
              </thead>
              <tbody>
                {page.results.map((user) => (
                  <tr key={user.id} data-user-id={user.id}>
                    <td data-label="Username">
                      <Link to={`/admin/users/${user.id}`}>{user.username}</Link>
                    </td>
                    <td data-label="Email">{user.email || '—'}</td>
                    <td data-label="Name">{`${user.first_name} ${user.last_name}`.trim() || '—'}</td>
                    <td data-label="Active">{yesNo(user.is_active)}</td>
                    <td data-label="Staff">{user.is_superuser ? 'Superuser' : yesNo(user.is_staff)}</td>
                    <td data-label="Role">{user.role}</td>
                    <td data-label="Last login">{formatTime(user.last_login)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager previous={page.previous} next={page.next} base="/admin" />
        </>
      )}
    </section>
  );
}
