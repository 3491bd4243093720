import type { AuthClient, AuthSnapshot } from '@tessera/client';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AuthProvider } from '../src/auth-provider.js';
import { RequireAuth } from '../src/require-auth.js';
import { useAuth } from '../src/use-auth.js';

/** A client that only has a snapshot: what the hooks read. */
function clientWith(snapshot: AuthSnapshot): AuthClient {
  return {
    getSnapshot: () => snapshot,
    subscribe: () => () => undefined,
  } as unknown as AuthClient;
}

const alice: AuthSnapshot = {
  status: 'authenticated',
  user: { username: 'alice', user_id: '1', sid: 's', exp: 2, iat: 1, jti: 'j', token_type: 'access' },
  expiresAt: 2000,
  retryAt: null,
};
const nobody: AuthSnapshot = { status: 'unauthenticated', user: null, expiresAt: null, retryAt: null };

function Greeting() {
  const { status, user } = useAuth();
  return createElement('p', null, `${status}:${user?.username ?? '-'}`);
}

const render = (snapshot: AuthSnapshot, child: ReturnType<typeof createElement>) =>
  renderToString(createElement(AuthProvider, { client: clientWith(snapshot) }, child));

describe('useAuth', () => {
  it('reads the status and user from the client', () => {
    expect(render(alice, createElement(Greeting))).toBe('<p>authenticated:alice</p>');
    expect(render(nobody, createElement(Greeting))).toBe('<p>unauthenticated:-</p>');
  });

  it('throws outside an AuthProvider, saying what is missing', () => {
    expect(() => renderToString(createElement(Greeting))).toThrow(
      'useAuth() needs an <AuthProvider client={…}> above it.',
    );
  });
});

describe('RequireAuth', () => {
  const guarded = createElement(RequireAuth, { fallback: 'redirecting' }, createElement('p', null, 'secret'));

  it('renders its children with a session', () => {
    expect(render(alice, guarded)).toBe('<p>secret</p>');
  });

  it('renders the fallback without one', () => {
    expect(render(nobody, guarded)).toBe('redirecting');
  });
});
