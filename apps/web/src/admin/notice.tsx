import type { ActionNotice } from './use-admin-action';

/** An action's outcome: a success is announced politely (role="status"), a failure at once (role="alert"). */
export function Notice({ notice }: { notice: ActionNotice | null }) {
  if (notice === null) return null;
  return notice.kind === 'success' ? (
    <p className="success" role="status">
      {notice.text}
    </p>
  ) : (
    <p className="error" role="alert">
      {notice.text}
    </p>
  );
}
