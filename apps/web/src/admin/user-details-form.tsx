import type { AdminUserResponse } from '@tessera/protocol';
import { useState, type FormEvent } from 'react';
import { Field } from '../field';
import type { AdminApi } from './admin-api';
import { Notice } from './notice';
import { useAdminAction } from './use-admin-action';

interface UserDetailsFormProps {
  api: AdminApi;
  user: AdminUserResponse;
  onSaved: (user: AdminUserResponse) => void;
}

/** The user's names and email, saved with PATCH; the server's field errors beside each field. */
export function UserDetailsForm({ api, user, onSaved }: UserDetailsFormProps) {
  const [firstName, setFirstName] = useState(user.first_name);
  const [lastName, setLastName] = useState(user.last_name);
  const [email, setEmail] = useState(user.email);
  const { act, notice, fields, busy } = useAdminAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await act(async () => {
      onSaved(await api.updateUser(user.id, { first_name: firstName, last_name: lastName, email }));
      return `Saved the profile of ${user.username}.`;
    });
  }

  return (
    <form aria-label="Profile" className="admin-form" onSubmit={(event) => void onSubmit(event)}>
      <h2>Profile</h2>
      <Field
        label="First name"
        name="first_name"
        maxLength={150}
        value={firstName}
        errors={fields.first_name}
        onChange={(event) => setFirstName(event.target.value)}
      />
      <Field
        label="Last name"
        name="last_name"
        maxLength={150}
        value={lastName}
        errors={fields.last_name}
        onChange={(event) => setLastName(event.target.value)}
      />
      <Field
        label="Email"
        name="email"
        type="email"
        value={email}
        errors={fields.email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <Notice notice={notice} />
      <button type="submit" className="button" disabled={busy}>
        Save profile
      </button>
    </form>
  );
}
