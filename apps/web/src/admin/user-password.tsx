import type { AdminUserResponse } from '@tessera/protocol';
import { useState, type FormEvent } from 'react';
import { Field } from '../field';
import type { AdminApi } from './admin-api';
import { Notice } from './notice';
import { useAdminAction } from './use-admin-action';

interface UserPasswordProps {
  api: AdminApi;
  user: AdminUserResponse;
  onChanged: () => void;
}

/** Set the user's password (under the policy; their sessions end), or mail them a reset link. */
export function UserPassword({ api, user, onChanged }: UserPasswordProps) {
  const [password, setPassword] = useState('');
  const { act, notice, fields, busy } = useAdminAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const done = await act(async () => {
      await api.setPassword(user.id, password);
      return `Set a new password for ${user.username}. Their sessions have ended.`;
    }, `Set a new password for ${user.username}? They will be logged out everywhere.`);
    if (done) {
      setPassword('');
      onChanged();
    }
  }

  const sendReset = () =>
    act(async () => {
      await api.sendResetMail(user.email);
      return `Sent a password reset mail to ${user.email}.`;
    });

  return (
    <form aria-label="Password" className="admin-form" onSubmit={(event) => void onSubmit(event)}>
      <h2>Password</h2>
      <Field
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        value={password}
        errors={fields.password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <Notice notice={notice} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy || password === ''}>
          Set password
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={busy || user.email === '' || !user.is_active}
          onClick={() => void sendReset()}
        >
          Send reset mail
        </button>
      </div>
    </form>
  );
}
