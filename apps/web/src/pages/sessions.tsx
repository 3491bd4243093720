import { useAuth } from '@tessera/react';
import { useCallback, useEffect, useState } from 'react';
import { errorOf, formatTime, messageOf } from '../api';
import { PageHeading } from '../page-heading';

interface SessionRow {
  id: string;
  created_at: string;
  last_used_at: string | null;
  ip: string | null;
  user_agent: string | null;
  device: string;
  current: boolean;
  /** Bound to a key of the device that logged in (DPoP): its refresh token works nowhere else. */
  device_bound: boolean;
}

/** `/sessions`: where the user is logged in; end one session, or all the others. */
export function SessionsPage() {
  const { fetch } = useAuth();
  const [sessions, setSessions] = useState<SessionRow[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const response = await fetch('/api/sessions/', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error((await errorOf(response)).detail);
    setSessions((await response.json()) as SessionRow[]);
  }, [fetch]);

  useEffect(() => {
    load().catch((caught: unknown) => setError(caught instanceof Error ? caught.message : messageOf(caught)));
  }, [load]);

  async function act(request: () => Promise<Response>, done: (response: Response) => Promise<string>) {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const response = await request();
      if (!response.ok) throw new Error((await errorOf(response)).detail);
      setMessage(await done(response));
      await load();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  // Ending a session logs that device out at once, and a misclick cannot be undone: ask first.
  const revoke = (session: SessionRow) =>
    window.confirm(
      `End the session on ${session.device} (${session.ip ?? 'unknown address'})? That device will be logged out.`,
    ) &&
    act(
      () => fetch(`/api/sessions/${encodeURIComponent(session.id)}/`, { method: 'DELETE' }),
      () => Promise.resolve(`Ended the session on ${session.device}.`),
    );
  const revokeOthers = () =>
    window.confirm('End every other session? Every other device will be logged out.') &&
    act(
      () =>
        fetch('/api/sessions/revoke-others/', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      async (response) => {
        const { revoked } = (await response.json()) as { revoked: number };
        return revoked === 1 ? 'Ended 1 other session.' : `Ended ${revoked} other sessions.`;
      },
    );

  const others = sessions?.filter((session) => !session.current).length ?? 0;
  return (
    <section className="card wide">
      <PageHeading>Sessions</PageHeading>
      <p className="muted">Every device where you are logged in. End any you do not recognise.</p>
      <div aria-live="polite">
        {message && <p className="success">{message}</p>}
        {error && <p className="error">{error}</p>}
      </div>
      {sessions === null ? (
        !error && <p className="muted">Loading sessions…</p>
      ) : (
        <>
          <ul className="sessions" aria-label="Your sessions">
            {sessions.map((session) => (
              <li
                key={session.id}
                className={session.current ? 'session current' : 'session'}
                data-session-id={session.id}
              >
                <div className="session-main">
                  <strong className="device">{session.device}</strong>
                  {session.current && <span className="badge">This device</span>}
                  {session.device_bound && (
                    <span
                      className="bound"
                      title="Bound to a key of that device: its session cannot be used from anywhere else."
                    >
                      Device-bound
                    </span>
                  )}
                </div>
                <dl className="session-facts">
                  <div>
                    <dt>Address</dt>
                    <dd>{session.ip ?? 'unknown'}</dd>
                  </div>
                  <div>
                    <dt>Last used</dt>
                    <dd>{formatTime(session.last_used_at ?? session.created_at)}</dd>
                  </div>
                  <div>
                    <dt>Signed in</dt>
                    <dd>{formatTime(session.created_at)}</dd>
                  </div>
                </dl>
                {!session.current && (
                  <button
                    type="button"
                    className="button secondary"
                    disabled={busy}
                    onClick={() => void revoke(session)}
                    aria-label={`Revoke the session on ${session.device} from ${session.ip ?? 'an unknown address'}`}
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="button danger"
            disabled={busy || others === 0}
            onClick={() => void revokeOthers()}
          >
            Revoke all other sessions
          </button>
        </>
      )}
    </section>
  );
}
