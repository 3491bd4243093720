import { useAuth } from '@tessera/react';
import { useEffect, useState } from 'react';
import { errorOf, messageOf } from '../api';
import { PageHeading } from '../page-heading';

interface Profile {
  username: string;
  first_name: string;
  last_name: string;
  email: string;
}

/** `/`: who is logged in, from `/api/profile/`. */
export function HomePage() {
  const { fetch } = useAuth();
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<string | null>(null);

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
        <div className="profile">
          <p>{`Name: ${profile.first_name} ${profile.last_name}`}</p>
          <p>{`Email: ${profile.email}`}</p>
        </div>
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
