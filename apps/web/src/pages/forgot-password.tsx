import { useAuthClient } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useClientCall } from '../client-call';
import { Field } from '../field';
import { PageHeading } from '../page-heading';

/** `/forgot-password`: asks for a reset mail; the answer is the same whether or not an account has the address. */
export function ForgotPasswordPage() {
  const client = useAuthClient();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { run, fields, error, busy } = useClientCall();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (await run(() => client.requestPasswordReset(email))) setSentTo(email);
  }

  return (
    <section className="card narrow">
      <PageHeading>Forgot your password?</PageHeading>
      {sentTo === null ? (
        <form onSubmit={(event) => void onSubmit(event)}>
          <p>Give the e-mail address of your account, and we will mail you a link to choose a new password.</p>
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            autoFocus
            value={email}
            errors={fields.email}
            onChange={(event) => setEmail(event.target.value)}
          />
          {error && (
            <p className="error" role="alert">
              {error.message}
            </p>
          )}
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Sending…' : 'Send the link'}
          </button>
        </form>
      ) : (
        <p className="success" role="status">
          If an account has the address {sentTo}, a message with a link to choose a new password is on its way. The link
          works for 30 minutes, once.
        </p>
      )}
      <p className="aside">
        Already have a code from the message? <Link to="/reset-password">Enter it here</Link>. Or{' '}
        <Link to="/login">back to log in</Link>.
      </p>
    </section>
  );
}
