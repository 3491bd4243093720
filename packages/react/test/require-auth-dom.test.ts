// @vitest-environment happy-dom
// RequireAuth rendered by react-dom into a DOM, over a real client whose
// storage is asynchronous (React Native's SecureStore, say): until the stored
// session is read, neither the protected page nor a redirect may happen.
import { createAuthClient, type AuthClient, type TokenStorage } from '@tessera/client';
import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthProvider } from '../src/auth-provider.js';
import { RequireAuth } from '../src/require-auth.js';

/** The little of the DOM this test touches (the repository's type-check has no DOM library). */
interface Node {
  innerHTML: string;
  remove(): void;
}
const dom = (
  globalThis as unknown as { document: { createElement(tag: 'div'): Node; body: { append(node: Node): void } } }
).document;

const NOW_MS = Date.UTC(2026, 0, 1);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A JWT-shaped token (the client reads claims only; the server verifies). */
const token = (type: string, exp: number) =>
  `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ token_type: type, exp, iat: NOW_MS / 1000, jti: `${type}-1`, user_id: '1', username: 'alice', sid: 's' })}.sig`;
const STORED_SESSION = JSON.stringify({
  v: 1,
  access: token('access', NOW_MS / 1000 + 300),
  refresh: token('refresh', NOW_MS / 1000 + 86_400),
  stamp: 'access-1',
});

/** Storage whose read resolves only when the test says, with what it says. */
function heldStorage(): { storage: TokenStorage; resolve(text: string | null): Promise<void> } {
  let release!: (text: string | null) => void;
  const read = new Promise<string | null>((resolve) => (release = resolve));
  return {
    storage: { getItem: () => read, setItem: () => undefined, removeItem: () => undefined },
    resolve: (text) =>
      act(async () => {
        release(text);
        await read;
      }),
  };
}

/** React's act() warns unless the environment says it supports it; set for this file only (workers share globals). */
const actEnvironment = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };

describe('RequireAuth in a DOM, with async storage', () => {
  beforeAll(() => void (actEnvironment.IS_REACT_ACT_ENVIRONMENT = true));
  afterAll(() => void delete actEnvironment.IS_REACT_ACT_ENVIRONMENT);
  let container: Node;
  let root: Root;
  let client: AuthClient;
  let navigations: string[];

  beforeEach(() => {
    container = dom.createElement('div');
    dom.body.append(container);
    root = createRoot(container);
    navigations = [];
  });
  afterEach(() => {
    act(() => root.unmount());
    container.remove();
    client.dispose();
  });

  function render(storage: TokenStorage): void {
    client = createAuthClient({
      baseUrl: 'https://api.test',
      storage,
      tabs: false,
      fetch: () => Promise.reject(new Error('no request is expected')),
      platform: {
        now: () => NOW_MS,
        timers: { setTimeout: () => 0, clearTimeout: () => undefined },
        createChannel: null,
        locks: null,
        window: null,
        document: null,
      },
    });
    const page = createElement('p', null, 'secret page');
    const guard = createElement(
      RequireAuth,
      { fallback: 'loading…', currentPath: '/sessions', navigate: (to: string) => navigations.push(to) },
      page,
    );
    act(() => root.render(createElement(AuthProvider, { client }, guard)));
  }

  it('renders the fallback, not the page, while the stored session is read, then the page', async () => {
    const held = heldStorage();
    render(held.storage);
    expect(client.getSnapshot().status).toBe('loading');
    expect(container.innerHTML).toBe('loading…');
    expect(navigations).toEqual([]);

    await held.resolve(STORED_SESSION);
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', user: { username: 'alice' } });
    expect(container.innerHTML).toBe('<p>secret page</p>');
    expect(navigations).toEqual([]);
  });

  it('renders the fallback while loading, then redirects to the login page when storage holds no session', async () => {
    const held = heldStorage();
    render(held.storage);
    expect(container.innerHTML).toBe('loading…');
    expect(navigations).toEqual([]);

    await held.resolve(null);
    expect(client.getSnapshot().status).toBe('unauthenticated');
    expect(container.innerHTML).toBe('loading…');
    expect(navigations).toEqual(['/login?next=%2Fsessions']);
  });
});
