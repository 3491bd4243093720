import { useCallback, useState } from 'react';
import type { FieldErrors } from '../api';
import { AdminCallError, adminMessageOf } from './admin-api';

/** What the last action said: a success for role="status", a failure for role="alert". */
export interface ActionNotice {
  kind: 'success' | 'error';
  text: string;
}

/**
 * An admin action's round trip: asks first when it cannot be undone, is busy
 * while it runs, then says what happened, with the server's field errors
 * and `detail` on a refusal.
 *
 * @example
 * ```ts
 * const { act, notice, busy } = useAdminAction();
 * await act(async () => (await api.endAllSessions(id), 'Ended every session.'), 'End every session?');
 * ```
 */
export function useAdminAction() {
  const [notice, setNotice] = useState<ActionNotice | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  /** Runs `work` (which answers the success sentence) once `question`, if any, is confirmed; true when it succeeded. */
  const act = useCallback(async (work: () => Promise<string>, question?: string): Promise<boolean> => {
    if (question !== undefined && !window.confirm(question)) return false;
    setBusy(true);
    setNotice(null);
    setFields({});
    try {
      setNotice({ kind: 'success', text: await work() });
      return true;
    } catch (caught) {
      if (caught instanceof AdminCallError) setFields(caught.fields);
      setNotice({ kind: 'error', text: adminMessageOf(caught) });
      return false;
    } finally {
      setBusy(false);
    }
  }, []);

  return { act, notice, setNotice, fields, busy };
}
