import { useAuth } from '@tessera/react';
import { useState } from 'react';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { useStaffProbe } from './admin/staff-status';
import { useWebConfig } from './web-config';

/** The header on every page, and the page below it. */
export function Layout() {
  const { status, user, logout } = useAuth();
  const { registration } = useWebConfig();
  const navigate = useNavigate();
  const [leaving, setLeaving] = useState(false);
  const loggedIn = status !== 'unauthenticated';
  // From the token's claims only: a page outside the console asks the server nothing about it.
  const staff = useStaffProbe(false);

  async function onLogout() {
    setLeaving(true);
    await logout();
    setLeaving(false);
    await navigate('/login', { replace: true, state: { notice: 'You have been logged out.' } });
  }

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <nav aria-label="Main" className="nav">
          <Link to="/" className="brand">
            tessera
          </Link>
          <ul className="nav-links">
            <li>
              <NavLink to="/" end>
                Home
              </NavLink>
            </li>
            {loggedIn && (
              <>
                <li>
                  <NavLink to="/sessions">Sessions</NavLink>
                </li>
                <li>
                  <NavLink to="/password">Password</NavLink>
                </li>
                {/* For staff only; the console's API refuses everyone else whatever the page shows. */}
                {staff.state === 'staff' && (
                  <li>
                    <NavLink to="/admin">Admin</NavLink>
                  </li>
                )}
              </>
            )}
          </ul>
          <div className="nav-user">
            {loggedIn && user ? (
              <>
                <span className="hello">Hello {user.username}!</span>
                <button type="button" className="button secondary" onClick={() => void onLogout()} disabled={leaving}>
                  Logout
                </button>
              </>
            ) : (
              <>
                <NavLink to="/login">Login</NavLink>
                {registration === 'open' && <NavLink to="/register">Register</NavLink>}
              </>
            )}
          </div>
        </nav>
      </header>
      <main id="main" className="main">
        <Outlet />
      </main>
    </>
  );
}
