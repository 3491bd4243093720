import { useState } from 'react';
import { errorOf, messageOf, type FieldErrors } from './api';

/**
 * A form's round trip to the API: busy while it runs, then the server's
 * field errors and `detail` on a refusal, or a sentence for a failure to
 * reach it; `onOk` gets a 2xx answer.
 *
 * @example
 * ```ts
 * const { submit, fields, error, busy } = useSubmission();
 * await submit(() => fetch('/api/profile/', { method: 'PATCH', body }), async (response) => save(await response.json()));
 * ```
 */
export function useSubmission() {
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(send: () => Promise<Response>, onOk: (response: Response) => void | Promise<void>) {
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const response = await send();
      if (response.ok) {
        await onOk(response);
        return;
      }
      const body = await errorOf(response);
      setFields(body.fields);
      setError(body.detail);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return { submit, fields, setFields, error, setError, busy };
}
