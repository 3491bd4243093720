import { AuthClientError } from '@tessera/client';
import { returnPathFrom, useAuth } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import { messageOf } from '../api';
import { prepareLogin, takeSessionEndedReason } from '../auth';
import { Field } from '../field';
import { PageHeading } from '../page-heading';
import { useWebConfig } from '../web-config';

/** `/login`: the form; bad credentials keep what was typed and say why. */
export function LoginPage() {
  const { status, login } = useAuth();
  const config = useWebConfig();
  const location = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  // A page that sent the user here says why (a logout, a reset); else a session that ended on its own.
  // Read from the location on every render: a logout can land here twice, first by the guard of the page
  // it left (the session ended), then with its notice, and this page stays mounted in between.
  const [endedReason] = useState(() => (noticeIn(location.state) === null ? takeSessionEndedReason() : null));
  const notice = noticeIn(location.state) ?? endedReason;
  const [unverified, setUnverified] = useState(false);
  const [busy, setBusy] = useState(false);

  if (status !== 'unauthenticated') return <Navigate to={returnPathFrom(location.search)} replace />;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setUnverified(false);
    try {
      await prepareLogin(config);
      await login(username, password);
    } catch (caught) {
      setUnverified(caught instanceof AuthClientError && caught.code === 'email_not_verified');
      setError(
        caught instanceof AuthClientError && caught.code === 'no_active_account'
          ? 'Wrong username or password, or the account is inactive.'
          : messageOf(caught),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow">
      <PageHeading focus={false}>Log in</PageHeading>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={(event) => void onSubmit(event)}>
        <Field
          label="Username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          autoFocus
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {error && (
          <p className="error" role="alert">
            {error}
            {unverified && (
              <>
                {' '}
                <Link to="/verify-email">Send the link again</Link>.
              </>
            )}
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p className="aside">
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      {config.registration === 'open' ? (
        <p className="aside">
          No account yet? <Link to="/register">Create one</Link>.
        </p>
      ) : (
        <div className="aside">
          <p>
            No account yet? Registration is closed on this server, so accounts are made by whoever runs it. If that is
            you, run this in a terminal in the tessera folder, then log in here:
          </p>
          <pre>
            <code>npx tessera createuser --username alice</code>
          </pre>
        </div>
      )}
    </section>
  );
}

/** The notice another page passed in the navigation's state (`{ notice }`), if any. */
function noticeIn(state: unknown): string | null {
  const notice = (state as { notice?: unknown } | null)?.notice;
  return typeof notice === 'string' ? notice : null;
}
