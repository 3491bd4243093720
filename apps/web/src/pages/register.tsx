import { useAuth } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { Link, Navigate } from 'react-router';
import { errorOf, messageOf, type FieldErrors } from '../api';
import { prepareLogin } from '../auth';
import { Field } from '../field';
import { PageHeading } from '../page-heading';
import { useWebConfig } from '../web-config';

const FIELDS = [
  { name: 'username', label: 'Username', autoComplete: 'username', required: true },
  { name: 'password', label: 'Password', autoComplete: 'new-password', required: true, type: 'password' },
  { name: 'email', label: 'Email (optional)', autoComplete: 'email', type: 'email' },
  { name: 'first_name', label: 'First name (optional)', autoComplete: 'given-name' },
  { name: 'last_name', label: 'Last name (optional)', autoComplete: 'family-name' },
] as const;

/** `/register`: create an account when the server allows it, then log in with it. */
export function RegisterPage() {
  const { status, login } = useAuth();
  const config = useWebConfig();
  const [values, setValues] = useState<Record<string, string>>({});
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (status !== 'unauthenticated') return <Navigate to="/" replace />;
  if (config.registration !== 'open') {
    return (
      <section className="card narrow">
        <PageHeading>Registration is closed</PageHeading>
        <p>Accounts on this server are created by its administrator:</p>
        <pre>
          <code>npx tessera createuser --username alice</code>
        </pre>
        <p>
          Then <Link to="/login">log in</Link>.
        </p>
      </section>
    );
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await prepareLogin(config);
      const body = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
      const response = await fetch('/api/register/', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrftoken': csrfCookie() },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        const failure = await errorOf(response);
        setFields(failure.fields);
        setError(failure.detail);
        return;
      }
      await login(values.username ?? '', values.password ?? '');
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow">
      <PageHeading>Create an account</PageHeading>
      <form onSubmit={(event) => void onSubmit(event)}>
        {FIELDS.map((field) => (
          <Field
            key={field.name}
            {...field}
            value={values[field.name] ?? ''}
            errors={fields[field.name]}
            onChange={(event) => setValues({ ...values, [field.name]: event.target.value })}
          />
        ))}
        <div aria-live="polite">{error && <p className="error">{error}</p>}</div>
        <button type="submit" className="button" disabled={busy}>
          Create account
        </button>
      </form>
      <p className="aside">
        Already have one? <Link to="/login">Log in</Link>.
      </p>
    </section>
  );
}

function csrfCookie(): string {
  const match = /(?:^|;\s*)csrftoken=([^;]*)/.exec(document.cookie);
  return match?.[1] ? decodeURIComponent(match[1]) : '';
}
