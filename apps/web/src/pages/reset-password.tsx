import { useAuthClient } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { isDeadLink, useClientCall } from '../client-call';
import { Field } from '../field';
import { NewPasswordFields, PASSWORDS_DIFFER } from '../new-password-fields';
import { PageHeading } from '../page-heading';

/** The notice the login page shows after a reset. */
export const RESET_DONE_NOTICE =
  'Your password has been reset and every session logged out. Log in with the new password.';

/**
 * `/reset-password?token=…`, the link in the reset mail, or the page to type
 * its code: choose a new password. Opening the page changes nothing (mail
 * scanners open links); only submitting the form uses the token.
 */
export function ResetPasswordPage() {
  const client = useAuthClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const fromLink = params.get('token') ?? '';
  const [code, setCode] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const { run, fields, setFields, error, busy } = useClientCall();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (newPassword !== confirm) {
      setFields(PASSWORDS_DIFFER);
      return;
    }
    const token = fromLink === '' ? code.trim() : fromLink;
    if (await run(() => client.confirmPasswordReset(token, newPassword))) {
      await navigate('/login', { replace: true, state: { notice: RESET_DONE_NOTICE } });
    }
  }

  return (
    <section className="card narrow">
      <PageHeading>Choose a new password</PageHeading>
      <form onSubmit={(event) => void onSubmit(event)}>
        {fromLink === '' && (
          <Field
            label="Code from the message"
            name="code"
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={code}
            errors={fields.token}
            onChange={(event) => setCode(event.target.value)}
          />
        )}
        <NewPasswordFields
          password={newPassword}
          again={confirm}
          onPassword={setNewPassword}
          onAgain={setConfirm}
          errors={fields.new_password}
          againErrors={fields.confirm}
        />
        {error && (
          <p className="error" role="alert">
            {error.message}
            {isDeadLink(error.code) && (
              <>
                {' '}
                <Link to="/forgot-password">Send me a new link</Link>
              </>
            )}
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Saving…' : 'Set the new password'}
        </button>
      </form>
    </section>
  );
}
