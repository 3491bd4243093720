import type { AuthClient } from '@tessera/client';
import { createContext, createElement, type ReactNode } from 'react';

/** The client the components below an {@link AuthProvider} use. */
export const AuthClientContext = createContext<AuthClient | null>(null);

export interface AuthProviderProps {
  /** One client per app, created once (outside render) with `createAuthClient`. */
  client: AuthClient;
  children?: ReactNode;
}

/**
 * Makes `client` available to {@link useAuth} and {@link RequireAuth}. The
 * provider holds no state of its own: the client is the store, and every
 * component reads it through `useSyncExternalStore`.
 *
 * @example
 * ```tsx
 * const auth = createAuthClient({ baseUrl: location.origin, transport: 'cookie' });
 * createRoot(root).render(
 *   <AuthProvider client={auth}>
 *     <App />
 *   </AuthProvider>,
 * );
 * ```
 */
export function AuthProvider({ client, children }: AuthProviderProps): ReactNode {
  return createElement(AuthClientContext.Provider, { value: client }, children);
}
