import { useAuth } from '@tessera/react';
import { useEffect, useState } from 'react';
import { errorOf, messageOf } from '../api';
import { PageHeading } from '../page-heading';
import { ProfileForm, type Profile } from '../profile-form';

/** A profile value, or a muted "not set" rather than a label followed by nothing. */
function Shown({ value }: { value: string }) {
  return value.trim() === '' ? <span className="not-set">not set</span> : <>{value}</>;
}

/** `/`: who is logged in, from `/api/profile/`, with a form to change the names and the email. */
export function HomePage() {
  const { fetch } = useAuth();
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    fetch('/api/profile/', { headers: { accept: 'application/json' } })
      .then(async (response) => {
        if (!response.ok) throw new Error((await errorOf(response)).detail);
        return (await response.json()) as Profile;
      })
      .then(
        (body) => live && setProfile(body),
        (caught: unknown) => live && setError(caught instanceof Error ? caught.message : messageOf(caught)),
      );
    return () => {
      live = false;
    };
  }, [fetch]);

  return (
    <section className="card">
      <PageHeading>Home</PageHeading>
      <p className="lead">You are logged in to the homepage!</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {profile ? (
        <>
          <div className="profile">
            <p>
              Name: <Shown value={`${profile.first_name} ${profile.last_name}`} />
            </p>
            <p>
              Email: <Shown value={profile.email} />
            </p>
          </div>
          <div aria-live="polite">{saved && <p className="success">Profile saved.</p>}</div>
          {editing ? (
            <ProfileForm
              profile={profile}
              onSaved={(updated) => {
                setProfile(updated);
                setEditing(false);
                setSaved(true);
              }}
              onCancel={() => setEditing(false)}
            />
          ) : (
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                setEditing(true);
                setSaved(false);
              }}
            >
              Edit profile
            </button>
          )}
        </>
      ) : (
        !error && (
          <p className="muted" role="status">
            Loading your profile…
          </p>
        )
      )}
    </section>
  );
}
