import { useAuthClient } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { isDeadLink, useClientCall } from '../client-call';
import { Field } from '../field';
import { MailRequestForm } from '../mail-request-form';
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
  return (
    <MailRequestForm
      className="aside"
      secondary
      label="Send the link again"
      send={(email) => client.resendVerification(email)}
      button="Send the link again"
      sent={(email) => `If ${email} is waiting to be verified, a new link is on its way.`}
    >
      <h2>No link, or it expired?</h2>
    </MailRequestForm>
  );
}
