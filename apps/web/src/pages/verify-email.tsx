import { useAuthClient } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { isDeadLink, useClientCall } from '../client-call';
import { Field } from '../field';
import { PageHeading } from '../page-heading';

/**
 * `/verify-email?token=…`, the link in the verification mail, or the page to
 * type its code. Opening it changes nothing (mail scanners open links): the
 * button verifies. Below, a form to have the link sent again.
 */
export function VerifyEmailPage() {
  const client = useAuthClient();
  const [params] = useSearchParams();
  const fromLink = params.get('token') ?? '';
  const [code, setCode] = useState('');
  const [verified, setVerified] = useState(false);
  const verification = useClientCall();

  async function onVerify(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const token = fromLink === '' ? code.trim() : fromLink;
    if (await verification.run(() => client.verifyEmail(token))) setVerified(true);
  }

  return (
    <section className="card narrow">
      <PageHeading>Verify your e-mail address</PageHeading>
      {verified ? (
        <p className="success" role="status">
          Your address is verified. <Link to="/">Continue</Link>.
        </p>
      ) : (
        <form onSubmit={(event) => void onVerify(event)}>
          {fromLink === '' ? (
            <Field
              label="Code from the message"
              name="code"
              autoComplete="one-time-code"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
          ) : (
            <p>Confirm that this address is yours.</p>
          )}
          {verification.error && (
            <p className="error" role="alert">
              {verification.error.message}
            </p>
          )}
          <button type="submit" className="button" disabled={verification.busy}>
            {verification.busy ? 'Verifying…' : 'Verify my address'}
          </button>
        </form>
      )}
      {!verified && (fromLink === '' || isDeadLink(verification.error?.code)) && <ResendForm />}
    </section>
  );
}

/** Asks for the verification mail again; the answer is the same for any address. */
function ResendForm() {
  const client = useAuthClient();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { run, fields, error, busy } = useClientCall();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (await run(() => client.resendVerification(email))) setSentTo(email);
  }

  if (sentTo !== null) {
    return (
      <p className="success aside" role="status">
        If {sentTo} is waiting to be verified, a new link is on its way.
      </p>
    );
  }
  return (
    <form className="aside" aria-label="Send the link again" onSubmit={(event) => void onSubmit(event)}>
      <h2>No link, or it expired?</h2>
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        value={email}
        errors={fields.email}
        onChange={(event) => setEmail(event.target.value)}
      />
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <button type="submit" className="button secondary" disabled={busy}>
        Send the link again
      </button>
    </form>
  );
}
