export { AuthProvider, type AuthProviderProps } from './auth-provider.js';
export { useAuth, useAuthClient, type UseAuth } from './use-auth.js';
export { RequireAuth, returnPathFrom, type RequireAuthProps } from './require-auth.js';
