import type { AdminSessionResponse, AdminUserResponse } from '@tessera/protocol';
import { useCallback, useEffect, useState } from 'react';
import { formatTime } from '../api';
import { adminMessageOf, type AdminApi } from './admin-api';
import { Notice } from './notice';
import { useAdminAction } from './use-admin-action';

interface UserSessionsProps {
  api: AdminApi;
  user: AdminUserResponse;
  /** Changes when something else may have ended sessions (a deactivation, new rights): read again. */
  revision: number;
  onChanged: () => void;
}

/** The user's live sessions, with whether each is bound to a device key; end one or all. */
export function UserSessions({ api, user, revision, onChanged }: UserSessionsProps) {
  const [sessions, setSessions] = useState<AdminSessionResponse[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { act, notice, busy } = useAdminAction();

  const load = useCallback(async () => {
    try {
      setSessions(await api.listSessions(user.id));
      setLoadError(null);
    } catch (caught) {
      setLoadError(adminMessageOf(caught));
    }
  }, [api, user.id]);

  useEffect(() => {
    void load();
  }, [load, revision]);

  const end = async (session: AdminSessionResponse) => {
    const done = await act(
      async () => {
        await api.endSession(user.id, session.id);
        return `Ended the session on ${session.device}.`;
      },
      `End ${user.username}'s session on ${session.device} (${session.ip || 'unknown address'})? That device will be logged out.`,
    );
    if (done) onChanged();
  };
  const endAll = async () => {
    const done = await act(async () => {
      const { revoked } = await api.endAllSessions(user.id);
      return revoked === 1 ? 'Ended 1 session.' : `Ended ${revoked} sessions.`;
    }, `End every session of ${user.username}? They will be logged out everywhere.`);
    if (done) onChanged();
  };

  return (
    <section aria-labelledby="admin-sessions-heading">
      <h2 id="admin-sessions-heading">Sessions</h2>
      <Notice notice={notice} />
      {loadError && (
        <p className="error" role="alert">
          {loadError}
        </p>
      )}
      {sessions !== null && sessions.length === 0 && <p className="muted">No live sessions.</p>}
      {sessions !== null && sessions.length > 0 && (
        <>
          <ul className="sessions" aria-label={`Sessions of ${user.username}`}>
            {sessions.map((session) => (
              <li key={session.id} className="session" data-session-id={session.id}>
                <div className="session-main">
                  <strong className="device">{session.device}</strong>
                  {session.device_bound && <span className="badge">Device-bound</span>}
                </div>
                <dl className="session-facts">
                  <div>
                    <dt>Address</dt>
                    <dd>{session.ip || 'unknown'}</dd>
                  </div>
                  <div>
                    <dt>Last used</dt>
                    <dd>{formatTime(session.last_used_at)}</dd>
                  </div>
                  <div>
                    <dt>Signed in</dt>
                    <dd>{formatTime(session.created_at)}</dd>
                  </div>
                  <div>
                    <dt>Device-bound</dt>
                    <dd>{session.device_bound ? 'yes' : 'no'}</dd>
                  </div>
                </dl>
                <button
                  type="button"
                  className="button secondary"
                  disabled={busy}
                  onClick={() => void end(session)}
                  aria-label={`End the session on ${session.device} from ${session.ip || 'an unknown address'}`}
                >
                  End
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="button danger" disabled={busy} onClick={() => void endAll()}>
            End all sessions
          </button>
        </>
      )}
    </section>
  );
}
