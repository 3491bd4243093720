import type { AdminUserResponse } from '@tessera/protocol';
import { Link } from 'react-router';
import { auditLink, type AdminApi } from './admin-api';
import { AuditTable } from './audit-table';
import { useAdminLoad } from './use-admin-load';

/** How many of the user's events the user page shows; the audit log has the rest. */
const RECENT = 10;

/** The user's most recent audit events, and a link to all of them in the audit log. */
export function UserAudit({ api, user, revision }: { api: AdminApi; user: AdminUserResponse; revision: number }) {
  const filter = new URLSearchParams({ user: user.username });
  const { value: recent, error } = useAdminLoad(
    () => api.listAudit(auditLink(new URLSearchParams({ user: user.username, page_size: String(RECENT) }))),
    [api, user.username, revision],
  );
  const entries = recent?.results ?? null;

  return (
    <section aria-labelledby="admin-user-audit-heading">
      <h2 id="admin-user-audit-heading">Recent events</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {entries !== null && entries.length === 0 && <p className="muted">No events recorded.</p>}
      {entries !== null && entries.length > 0 && (
        <AuditTable entries={entries} label={`Recent events of ${user.username}`} />
      )}
      <p>
        <Link to={`/admin/audit?${filter.toString()}`}>Every event of {user.username} in the audit log</Link>
      </p>
    </section>
  );
}
