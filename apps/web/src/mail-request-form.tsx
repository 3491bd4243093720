import { useState, type FormEvent, type ReactNode } from 'react';
import { useClientCall } from './client-call';
import { Field } from './field';

interface MailRequestFormProps {
  /** The call that asks for the mail; it resolves alike whether or not an account has the address. */
  send: (email: string) => Promise<void>;
  button: string;
  /** What to say once asked, naming the address typed (never whether an account has it). */
  sent: (email: string) => ReactNode;
  /** Above the field: a heading or an explanation. */
  children?: ReactNode;
  /** `aside` for a form below the page's own. */
  className?: string;
  /** The form's accessible name, when it is not the page's only one. */
  label?: string;
  /** A secondary button, for a form that is not the page's main action. */
  secondary?: boolean;
  autoFocus?: boolean;
}

/** A form that asks for mail to an address: a reset link, a verification link again. */
export function MailRequestForm(props: MailRequestFormProps) {
  const { send, button, sent, children, className, label, autoFocus, secondary = false } = props;
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { run, fields, error, busy } = useClientCall();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (await run(() => send(email))) setSentTo(email);
  }

  if (sentTo !== null) {
    return (
      <p className={['success', className].filter(Boolean).join(' ')} role="status">
        {sent(sentTo)}
      </p>
    );
  }
  return (
    <form className={className} aria-label={label} onSubmit={(event) => void onSubmit(event)}>
      {children}
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        autoFocus={autoFocus}
        value={email}
        errors={fields.email}
        onChange={(event) => setEmail(event.target.value)}
      />
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <button type="submit" className={secondary ? 'button secondary' : 'button'} disabled={busy}>
        {busy ? 'Sending…' : button}
      </button>
    </form>
  );
}
