import { useAuthClient } from '@tessera/react';
import { Link } from 'react-router';
import { MailRequestForm } from '../mail-request-form';
import { PageHeading } from '../page-heading';

/** `/forgot-password`: asks for a reset mail; the answer is the same whether or not an account has the address. */
export function ForgotPasswordPage() {
  const client = useAuthClient();
  return (
    <section className="card narrow">
      <PageHeading>Forgot your password?</PageHeading>
      <MailRequestForm
        send={(email) => client.requestPasswordReset(email)}
        button="Send the link"
        autoFocus
        sent={(email) =>
          `If an account has the address ${email}, a message with a link to choose a new password is on its way. ` +
          'The link works for 30 minutes, once.'
        }
      >
        <p>Give the e-mail address of your account, and we will mail you a link to choose a new password.</p>
      </MailRequestForm>
      <p className="aside">
        Already have a code from the message? <Link to="/reset-password">Enter it here</Link>. Or{' '}
        <Link to="/login">back to log in</Link>.
      </p>
    </section>
  );
}
