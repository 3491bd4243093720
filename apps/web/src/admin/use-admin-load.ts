import { useEffect, useState, type DependencyList, type Dispatch, type SetStateAction } from 'react';
import { adminMessageOf } from './admin-api';

/** What {@link useAdminLoad} answers: the latest value, a way to replace it (after a save), and the load's failure. */
export interface AdminLoad<T> {
  value: T | null;
  setValue: Dispatch<SetStateAction<T | null>>;
  error: string | null;
}

/**
 * Runs `load` whenever `deps` change and keeps its answer, or its failure in
 * words; the answer of a load that a newer one replaced, or that outlived the
 * page, is dropped.
 *
 * @example
 * ```tsx
 * const { value: user, error } = useAdminLoad(() => api.getUser(id), [api, id]);
 * ```
 */
export function useAdminLoad<T>(load: () => Promise<T>, deps: DependencyList): AdminLoad<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    load().then(
      (answer) => live && setValue(() => answer),
      (caught: unknown) => live && setError(adminMessageOf(caught)),
    );
    return () => {
      live = false;
    };
    // `deps` name what `load` reads, as for useEffect itself.
  }, deps);
  return { value, setValue, error };
}
