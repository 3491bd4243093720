import { AuthClientError } from '@tessera/client';
import { useState } from 'react';
import { messageOf, type FieldErrors } from './api';

/**
 * A form's call through the client (`requestPasswordReset`, `verifyEmail`, …):
 * busy while it runs, then the server's field errors, its `detail` and
 * `code` on a refusal, or a sentence for a failure to reach it.
 *
 * @example
 * ```ts
 * const { run, fields, error, busy } = useClientCall();
 * if (await run(() => client.requestPasswordReset(email))) setSent(true);
 * ```
 */
export function useClientCall() {
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<{ message: string; code: string } | null>(null);
  const [busy, setBusy] = useState(false);

  /** Runs `call`; true when it succeeded. */
  async function run(call: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await call();
      return true;
    } catch (caught) {
      const code = caught instanceof AuthClientError ? caught.code : 'unknown';
      if (caught instanceof AuthClientError && code === 'invalid') {
        setFields(Object.fromEntries(Object.entries(caught.fields).map(([name, list]) => [name, [...list]])));
      }
      setError({ message: messageOf(caught), code });
      return false;
    } finally {
      setBusy(false);
    }
  }

  return { run, fields, setFields, error, busy };
}

/** Whether `code` says a mailed link cannot be used, so that the page offers a new one. */
export function isDeadLink(code: string | undefined): boolean {
  return code !== undefined && /^(reset|verify)_token_(invalid|expired|used|stale)$/.test(code);
}
