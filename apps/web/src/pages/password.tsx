import { useAuth } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { Field } from '../field';
import { PageHeading } from '../page-heading';
import { useSubmission } from '../submission';

/** `/password`: change the password; the server ends every other session. */
export function PasswordPage() {
  const { fetch } = useAuth();
  const [oldPassword, setOldPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const { submit, fields, setFields, error, setError, busy } = useSubmission();
  const [done, setDone] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setDone(false);
    if (newPassword !== confirm) {
      setFields({ confirm: ['The two new passwords differ.'] });
      return;
    }
    await submit(
      () =>
        fetch('/api/password/change/', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ old_password: oldPassword, new_password: newPassword }),
        }),
      () => {
        setDone(true);
        setOldPassword('');
        setNewPassword('');
        setConfirm('');
      },
    );
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
