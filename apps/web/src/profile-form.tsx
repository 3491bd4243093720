import { useAuth } from '@tessera/react';
import { useState, type FormEvent } from 'react';
import { Field } from './field';
import { useSubmission } from './submission';

/** The caller's profile as `/api/profile/` sends it. */
export interface Profile {
  username: string;
  first_name: string;
  last_name: string;
  email: string;
}

interface ProfileFormProps {
  profile: Profile;
  /** Called with the profile the server saved. */
  onSaved: (profile: Profile) => void;
  onCancel: () => void;
}

/** Edits the names and the email with `PATCH /api/profile/`, showing the server's field errors. */
export function ProfileForm({ profile, onSaved, onCancel }: ProfileFormProps) {
  const { fetch } = useAuth();
  const [firstName, setFirstName] = useState(profile.first_name);
  const [lastName, setLastName] = useState(profile.last_name);
  const [email, setEmail] = useState(profile.email);
  const { submit, fields, error, busy } = useSubmission();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await submit(
      () =>
        fetch('/api/profile/', {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ first_name: firstName, last_name: lastName, email }),
        }),
      async (response) => onSaved((await response.json()) as Profile),
    );
  }

  return (
    <form className="profile-form" aria-label="Edit profile" onSubmit={(event) => void onSubmit(event)}>
      <Field
        label="First name"
        name="first_name"
        autoComplete="given-name"
        maxLength={150}
        value={firstName}
        errors={fields.first_name}
        onChange={(event) => setFirstName(event.target.value)}
      />
      <Field
        label="Last name"
        name="last_name"
        autoComplete="family-name"
        maxLength={150}
        value={lastName}
        errors={fields.last_name}
        onChange={(event) => setLastName(event.target.value)}
      />
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        value={email}
        errors={fields.email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <div aria-live="polite">{error && <p className="error">{error}</p>}</div>
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Save profile
        </button>
        <button type="button" className="button secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
