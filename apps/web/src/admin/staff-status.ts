import { adminUserPath } from '@tessera/protocol';
import { useAuth } from '@tessera/react';
import { useEffect, useState } from 'react';

/** Whether the logged-in user may use the admin console, and with a superuser's rights. */
export type StaffStatus = { state: 'unknown' } | { state: 'staff'; superuser: boolean } | { state: 'not-staff' };

const UNKNOWN: StaffStatus = { state: 'unknown' };

/**
 * The logged-in user's staff status, from the access token's claims when
 * TESSERA_EXTRA_CLAIMS puts `is_staff` and `is_superuser` there. Otherwise,
 * with `probe`, the console asks the admin API for the user's own record,
 * once a session (a change of rights ends the sessions): 200 says staff, and
 * whether superuser; 403 says not staff. Only the console's pages probe, so
 * that no other page costs a request or shows a refusal; without the claims
 * the header has no Admin link. The server refuses its admin API to non-staff
 * either way: this only decides what to show.
 */
export function useStaffProbe(probe: boolean): StaffStatus {
  const { user, fetch } = useAuth();
  const [probed, setProbed] = useState<{ key: string; status: StaffStatus } | null>(null);
  const userId = Number(user?.user_id);
  const key = `${user?.user_id ?? ''}/${user?.sid ?? ''}`;
  const fromClaims: StaffStatus | null =
    user === null
      ? { state: 'not-staff' }
      : user.is_staff === false
        ? { state: 'not-staff' }
        : user.is_staff === true && typeof user.is_superuser === 'boolean'
          ? { state: 'staff', superuser: user.is_superuser }
          : null;
  const needsProbe = probe && fromClaims === null && Number.isSafeInteger(userId) && userId > 0;

  useEffect(() => {
    if (!needsProbe) return;
    let live = true;
    void fetch(adminUserPath(userId), { headers: { accept: 'application/json' } })
      .then(async (response): Promise<StaffStatus> => {
        if (response.ok) {
          const body = (await response.json()) as { is_superuser?: unknown };
          return { state: 'staff', superuser: body.is_superuser === true };
        }
        return response.status === 403 ? { state: 'not-staff' } : UNKNOWN;
      })
      .catch((): StaffStatus => UNKNOWN)
      .then((status) => live && setProbed({ key, status }));
    return () => {
      live = false;
    };
  }, [needsProbe, fetch, userId, key]);

  if (fromClaims !== null) return fromClaims;
  return probed?.key === key ? probed.status : UNKNOWN;
}
