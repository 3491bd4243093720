import type { AuditEntryResponse } from '@tessera/protocol';
import { Link } from 'react-router';
import { formatTime } from '../api';

/** An entry's details but the acting administrator, as "key: value" pairs. */
function detailsOf(entry: AuditEntryResponse): string {
  return Object.entries(entry.details)
    .filter(([key]) => key !== 'by' && key !== 'via')
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(', ');
}

/** Audit entries, newest first: when, what, about whom, by whom (for admin actions), from where. */
export function AuditTable({ entries, label }: { entries: AuditEntryResponse[]; label: string }) {
  return (
    <table className="admin-table" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Event</th>
          <th scope="col">User</th>
          <th scope="col">By</th>
          <th scope="col">Address</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id} data-audit-id={entry.id}>
            <td data-label="When">
              <time dateTime={entry.at}>{formatTime(entry.at)}</time>
            </td>
            <td data-label="Event">{entry.event}</td>
            <td data-label="User">
              {entry.user_id === null ? (
                entry.username || '—'
              ) : (
                <Link to={`/admin/users/${entry.user_id}`}>{entry.username || `#${entry.user_id}`}</Link>
              )}
            </td>
            <td data-label="By">{typeof entry.details.by === 'string' ? entry.details.by : '—'}</td>
            <td data-label="Address">{entry.ip || '—'}</td>
            <td data-label="Details">{detailsOf(entry) || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
