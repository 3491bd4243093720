import { useAuth } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { Field } from '../field';
import { NewPasswordFields, PASSWORDS_DIFFER } from '../new-password-fields';
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
      setFields(PASSWORDS_DIFFER);
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
        <NewPasswordFields
          password={newPassword}
          again={confirm}
          onPassword={setNewPassword}
          onAgain={setConfirm}
          errors={fields.new_password}
          againErrors={fields.confirm}
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
