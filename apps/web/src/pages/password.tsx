import { useAuth } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { errorOf, messageOf, type FieldErrors } from '../api';
import { Field } from '../field';
import { PageHeading } from '../page-heading';

/** `/password`: change the password; the server ends every other session. */
export function PasswordPage() {
  const { fetch } = useAuth();
  const [oldPassword, setOldPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setDone(false);
    if (newPassword !== confirm) {
      setFields({ confirm: ['The two new passwords differ.'] });
      return;
    }
    setBusy(true);
    setFields({});
    try {
      const response = await fetch('/api/password/change/', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ old_password: oldPassword, new_password: newPassword }),
      });
      if (response.ok) {
        setDone(true);
        setOldPassword('');
        setNewPassword('');
        setConfirm('');
      } else {
        const body = await errorOf(response);
        setFields(body.fields);
        setError(body.detail);
      }
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow">
      <PageHeading>Change password</PageHeading>
      <form onSubmit={(event) => void onSubmit(event)}>
        <Field
          label="Current password"
          name="old_password"
          type="password"
          autoComplete="current-password"
          required
          value={oldPassword}
          errors={fields.old_password}
          onChange={(event) => setOldPassword(event.target.value)}
        />
        <Field
          label="New password"
          name="new_password"
          type="password"
          autoComplete="new-password"
          hint="At least 8 characters, not all digits, not a common password, not like your username."
          required
          value={newPassword}
          errors={fields.new_password}
          onChange={(event) => setNewPassword(event.target.value)}
        />
        <Field
          label="New password, again"
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          errors={fields.confirm}
          onChange={(event) => setConfirm(event.target.value)}
        />
        <div aria-live="polite">
          {error && <p className="error">{error}</p>}
          {done && <p className="success">Password changed. Your other sessions have been logged out.</p>}
        </div>
        <button type="submit" className="button" disabled={busy}>
          Change password
        </button>
      </form>
    </section>
  );
}
