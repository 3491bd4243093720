import { Link, NavLink, Outlet, useOutletContext } from 'react-router';
import { PageHeading } from '../page-heading';
import { useStaffProbe, type StaffStatus } from './staff-status';

/**
 * The console's pages, for staff only. The server refuses its API to anyone
 * else whatever the page shows; this says so plainly instead of showing a
 * console that would fail at every step. The pages below get the status
 * (superuser or not) as their outlet context.
 */
export function StaffOnly() {
  const staff = useStaffProbe(true);
  if (staff.state === 'staff') return <Outlet context={staff} />;
  if (staff.state === 'unknown') {
    return (
      <p className="muted" role="status">
        Checking your access…
      </p>
    );
  }
  return (
    <section className="card narrow">
      <PageHeading>Not allowed</PageHeading>
      <p className="error" role="alert">
        You are not allowed to use the admin console: it is for staff members.
      </p>
      <p>
        <Link to="/">Go to the homepage</Link>.
      </p>
    </section>
  );
}

/** The console's own navigation: its users and its audit log. */
export function AdminNav() {
  return (
    <nav aria-label="Admin console" className="admin-nav">
      <NavLink to="/admin" end>
        Users
      </NavLink>
      <NavLink to="/admin/audit">Audit log</NavLink>
    </nav>
  );
}

/** The operator's status, for the console's pages (below {@link StaffOnly}, always staff). */
export function useStaffStatus(): StaffStatus {
  return useOutletContext<StaffStatus | undefined>() ?? { state: 'unknown' };
}
