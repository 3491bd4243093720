import { RequireAuth } from '@tessera/react';
import { useCallback, type ReactNode } from 'react';
import { BrowserRouter, Route, Routes, useLocation, useNavigate } from 'react-router';
import { StaffOnly } from './admin/staff-only';
import { Layout } from './layout';
import { AdminAuditPage } from './pages/admin-audit';
import { AdminUserPage } from './pages/admin-user';
import { AdminUsersPage } from './pages/admin-users';
import { ForgotPasswordPage } from './pages/forgot-password';
import { HomePage } from './pages/home';
import { LoginPage } from './pages/login';
import { NotFoundPage } from './pages/not-found';
import { PasswordPage } from './pages/password';
import { RegisterPage } from './pages/register';
import { ResetPasswordPage } from './pages/reset-password';
import { SessionsPage } from './pages/sessions';
import { VerifyEmailPage } from './pages/verify-email';

/** RequireAuth, wired to react-router: the login page gets `?next=` and replaces this entry in history. */
function Protected({ children }: { children: ReactNode }) {
  const location = useLocation();
  const navigate = useNavigate();
  const go = useCallback((to: string) => void navigate(to, { replace: true }), [navigate]);
  return (
    <RequireAuth currentPath={`${location.pathname}${location.search}`} navigate={go}>
      {children}
    </RequireAuth>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Layout />}>
          <Route
            index
            element={
              <Protected>
                <HomePage />
              </Protected>
            }
          />
          <Route
            path="sessions"
            element={
              <Protected>
                <SessionsPage />
              </Protected>
            }
          />
          <Route
            path="password"
            element={
              <Protected>
                <PasswordPage />
              </Protected>
            }
          />
          <Route
            path="admin"
            element={
              <Protected>
                <StaffOnly />
              </Protected>
            }
          >
            <Route index element={<AdminUsersPage />} />
            <Route path="users/:id" element={<AdminUserPage />} />
            <Route path="audit" element={<AdminAuditPage />} />
          </Route>
          <Route path="login" element={<LoginPage />} />
          <Route path="register" element={<RegisterPage />} />
          <Route path="forgot-password" element={<ForgotPasswordPage />} />
          <Route path="reset-password" element={<ResetPasswordPage />} />
          <Route path="verify-email" element={<VerifyEmailPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
