import { paths } from '@tessera/protocol';
import { AuthClientError, errorFromResponse, readJson } from './errors.js';
import { fetchWithCredentials, sendWithRetry, type SendContext } from './authorized-fetch.js';
import { createDpopRequests, type DpopKeyUse } from './dpop-requests.js';
import { discardBody, isApiUrl, postJson, resolveUrl, skewFromDateHeader } from './http.js';
import { loginCredentials } from './login-csrf.js';
import { revokeOnServer, type LogoutResult } from './logout.js';
import { resolveOptions, type AuthClientOptions } from './options.js';
import { accountMailCalls } from './account-mail.js';
import { createRefreshCoordinator } from './refresh-coordinator.js';
import { createSingleTimer, isRefreshDue, proactiveDelayMs, retryDelayMs } from './schedule.js';
import {
  parseSession,
  sameSession,
  serializeSession,
  sessionFromCookieLogin,
  sessionFromPair,
  type Session,
} from './session.js';
import type { AuthClient, RequestAuthorization } from './auth-client.js';
import { SessionState, type AuthStatus } from './session-state.js';
import { createTabSync } from './tabs.js';
import { createTransport, isBoundAccess, type Credentials } from './transport.js';

/**
 * Creates the client.
 *
 * @example
 * ```ts
 * const auth = createAuthClient({ baseUrl: 'https://api.example.com', storage: createLocalStorage() });
 * await auth.login('alice', 'correct horse');
 * const profile = await (await auth.fetch('/api/profile/')).json();
 * ```
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const opts = resolveOptions(options);
  const { platform, storage, storageKey } = opts;
  const state = new SessionState();
  const transport = createTransport({ kind: opts.transport, ...opts, document: platform.document });
  const timer = createSingleTimer(platform.timers);
  let issued = 0;
  /** Unique within this client (the counter) and across tabs (time and randomness). */
  const randomId = () =>
    `${(issued += 1).toString(36)}.${platform.now().toString(36)}.${Math.floor(platform.random() * 2 ** 52).toString(36)}`;
  const tabs =
    opts.tabs === null
      ? null
      : createTabSync({
          ...opts.tabs,
          platform,
          tabId: randomId(),
          storageKey,
          webStorage: storage.webStorage,
          onRemoteSession,
        });
  const apiUrl = (path: string) => resolveUrl(opts.baseUrl, path);
  const serverNow = () => platform.now() + state.skewMs;
  // Proofs' iat on the server's clock as far as the client knows it: a device whose clock is off still proves.
  const dpop = opts.dpop === null ? null : createDpopRequests({ store: opts.dpop, now: serverNow, randomId });
  /** Consecutive refreshes that failed without ending the session (network, 5xx). */
  let failures = 0;
  /** Until then (this device's ms), a token that is only near expiry is not refreshed before a request. */
  let quietUntil = 0;
  /** Set during logout, when a refresh failure is not news for `onSessionExpired`. */
  let leaving = false;
  let disposed = false;

  const coordinator = createRefreshCoordinator({
    currentStamp: () => state.session?.stamp ?? null,
    perform: performRefresh,
  });

  // ---- storage and state ----

  async function writeStored(session: Session | null): Promise<void> {
    try {
      if (session === null) await storage.removeItem(storageKey);
      else await storage.setItem(storageKey, serializeSession(session));
    } catch {
      // The session in memory stays right for this context; it just will not survive a reload.
    }
  }

  async function readStored(): Promise<Session | null> {
    try {
      return parseSession(await storage.getItem(storageKey));
    } catch {
      return null;
    }
  }

  function adopt(session: Session | null, status: AuthStatus = 'authenticated'): void {
    state.update(session, status);
    schedule();
  }

  async function endSession(reason: AuthClientError | null): Promise<void> {
    const had = state.session !== null;
    failures = 0;
    adopt(null);
    await writeStored(null);
    tabs?.publish(null);
    if (reason !== null && had && !leaving) opts.onSessionExpired?.(reason);
  }

  function onRemoteSession(session: Session | null): void {
    if (disposed || sameSession(state.session, session)) return;
    failures = 0;
    adopt(session);
    if (storage.sharedAcrossTabs !== true) void writeStored(session);
  }

  /** Learns the server's clock from a response of the API (its `Date`, or a new token's `iat`). */
  function observeClock(response: Response, session?: Session): void {
    const now = platform.now();
    let skew = skewFromDateHeader(response, now);
    if (skew === null && session?.claims && typeof session.claims.iat === 'number') {
      skew = session.claims.iat * 1000 + 500 - now;
    }
    // The header has whole seconds: ignore changes below that, so the snapshot does not churn.
    if (skew !== null && Math.abs(skew - state.skewMs) > 1000) state.setSkew(skew);
  }

  async function sessionFromResponse(response: Response): Promise<Session> {
    const body = (await readJson(response)) as { access?: unknown; refresh?: unknown } | undefined;
    if (transport.kind === 'cookie') return sessionFromCookieLogin(body, randomId);
    const access = typeof body?.access === 'string' ? body.access : undefined;
    const session =
      access !== undefined && typeof body?.refresh === 'string' ? sessionFromPair(access, body.refresh) : null;
    if (session === null) {
      throw new AuthClientError('bad_response', 'The server answered without a usable token pair.', {
        statusCode: response.status,
      });
    }
    return session;
  }

  // ---- proactive refresh ----

  function schedule(): void {
    const session = state.session;
    if (disposed || session === null) return timer.cancel();
    if (state.retryAt !== null) return timer.set(Math.max(0, state.retryAt - platform.now()), refreshInBackground);
    if (failures > 0) return timer.set(retryDelayMs(failures, platform.random()), refreshInBackground);
    if (session.claims === null) return timer.cancel();
    timer.set(
      proactiveDelayMs(session.claims, serverNow(), opts.refreshMarginSeconds, platform.random()),
      refreshInBackground,
    );
  }

  function refreshInBackground(): void {
    if (state.session !== null) coordinator.refresh().catch(() => undefined);
  }

  /** The page became visible or the network came back: timers may have been throttled meanwhile. */
  function wake(): void {
    const claims = state.session?.claims;
    if (state.session === null) return;
    if (state.status === 'offline' || (claims && isRefreshDue(claims, serverNow(), opts.refreshMarginSeconds))) {
      refreshInBackground();
    } else {
      schedule();
    }
  }
  const onVisibility = () => {
    if (platform.document?.visibilityState !== 'hidden') wake();
  };
  platform.document?.addEventListener?.('visibilitychange', onVisibility);
  platform.window?.addEventListener('online', wake);

  // ---- refresh ----

  async function performRefresh(): Promise<Session> {
    await ready;
    const from = state.session;
    if (from === null) throw new AuthClientError('not_authenticated', 'There is no session to refresh.');
    // The server said when it would take a refresh again: asking sooner would only be refused (and counted).
    if (state.throttledAt(platform.now())) throw stillThrottled(state.retryAt ?? 0);
    const before = state.status;
    state.setStatus('refreshing');
    try {
      const session = tabs ? await tabs.withRefreshLock(from.stamp, () => refreshFrom(from)) : await refreshFrom(from);
      failures = 0;
      quietUntil = 0;
      if (sameSession(state.session, from) || sameSession(state.session, session)) adopt(session);
      return session;
    } catch (error) {
      if (error instanceof AuthClientError && error.code === 'throttled') {
        // Only the session that was refused waits: one another tab handed over meanwhile is not throttled.
        if (sameSession(state.session, from)) {
          const waitMs = error.retryAfterSeconds === null ? retryDelayMs(1, 0.5) : error.retryAfterSeconds * 1000;
          state.throttle(platform.now() + waitMs);
        }
        schedule();
      } else if (!(error instanceof AuthClientError) || error.code !== 'session_expired') {
        failures += 1;
        quietUntil = platform.now() + retryDelayMs(failures, 0.5);
        const network = error instanceof AuthClientError && error.code === 'network_error';
        state.setStatus(network ? 'offline' : before === 'offline' ? 'offline' : 'authenticated');
        schedule();
      }
      throw error;
    }
  }

  /** One refresh of `from`, under the tab lock when there is one. */
  async function refreshFrom(from: Session): Promise<Session> {
    const newer = await newerSession(from);
    if (newer !== undefined) return newer;
    const body = transport.refreshBody(from);
    if (body === null) return expire(new AuthClientError('session_expired', 'The session has no refresh token.'));
    const auth = transport.credentialsFor('POST', from);
    const response = await postToken(paths.tokenRefresh, body, auth, 'existing');
    if (response.ok) {
      const session = await sessionFromResponse(response);
      observeClock(response, session);
      // A logout or another tab's session arrived meanwhile: it wins, this pair is dropped.
      if (!sameSession(state.session, from)) return current();
      await writeStored(session);
      tabs?.publish(session);
      return session;
    }
    const error = await errorFromResponse(response);
    observeClock(response);
    if (response.status !== 401) throw error;
    // Without Web Locks another tab may have rotated the token first: use its session.
    const winner = await newerSession(from);
    if (winner !== undefined) return winner;
    return expire(
      new AuthClientError('session_expired', error.detail, { statusCode: 401, body: error.body, cause: error }),
    );
  }

  /** The session another tab (or a logout) put in place of `from`, or undefined if `from` is still current. */
  async function newerSession(from: Session): Promise<Session | undefined> {
    if (!sameSession(state.session, from)) return current();
    if (tabs === null) return undefined;
    const stored = await readStored();
    if (sameSession(stored, from)) return undefined;
    if (stored === null && storage.sharedAcrossTabs !== true) return undefined;
    onRemoteSession(stored);
    return current();
  }

  /** The error of a refresh not sent because the server refused refreshes until `retryAt`. */
  function stillThrottled(retryAt: number): AuthClientError {
    const retryAfterSeconds = Math.max(0, Math.ceil((retryAt - platform.now()) / 1000));
    return new AuthClientError('throttled', `Refreshing was throttled; retrying in ${retryAfterSeconds} seconds.`, {
      statusCode: 429,
      retryAfterSeconds,
    });
  }

  function current(): Session {
    if (state.session === null) throw new AuthClientError('not_authenticated', 'The session ended in another tab.');
    return state.session;
  }

  async function expire(error: AuthClientError): Promise<never> {
    await endSession(error);
    throw error;
  }

  // ---- requests ----

  /** A login or refresh: with a DPoP proof when DPoP is on. */
  function postToken(path: string, body: unknown, auth: Credentials, key: DpopKeyUse): Promise<Response> {
    const url = apiUrl(path);
    const post = (headers: Record<string, string>) =>
      postJson(opts.fetch, url, body, { ...auth, headers: { ...auth.headers, ...headers } });
    return dpop === null ? post({}) : dpop.send('POST', url, key, post);
  }

  /** `post`, with a proof for `session`'s access token when it is DPoP-bound (and one retry for a nonce). */
  function sendWithAccess(
    url: string,
    session: Session,
    post: (headers: Record<string, string>) => Promise<Response>,
  ): Promise<Response> {
    if (dpop === null || !isBoundAccess(session)) return post({});
    return dpop.send('POST', url, 'existing', post, { accessToken: session.access });
  }

  /** The credentials of the current session; with a DPoP proof for `method` and `url` when its access token is bound. */
  async function credentialsNow(url: string, method: string): Promise<RequestAuthorization> {
    const session = state.session;
    const auth = { ...transport.credentialsFor(method, session), stamp: session?.stamp ?? null };
    // Without a key store the client sends the token as it is: the server refuses it, as it should.
    if (dpop === null || !isBoundAccess(session)) return auth;
    return { ...auth, headers: { ...auth.headers, ...(await dpop.proofFor(method, url, session.access)) } };
  }

  async function authorize(url: string, method = 'GET'): Promise<RequestAuthorization> {
    await ready;
    if (!isApiUrl(opts.baseUrl, apiUrl(url))) return { headers: {}, credentials: undefined, stamp: null };
    await coordinator.inFlight?.catch(() => undefined);
    const claims = state.session?.claims;
    if (claims && isRefreshDue(claims, serverNow(), opts.refreshMarginSeconds)) {
      const expired = serverNow() >= claims.exp * 1000;
      if (expired || platform.now() >= quietUntil) await coordinator.refresh().catch(() => undefined);
    }
    return credentialsNow(apiUrl(url), method);
  }

  /** Notes an HTTP answer from the API: the network works. */
  function noteAnswer(response: Response): void {
    observeClock(response);
    if (state.status === 'offline' && !coordinator.inFlight) {
      state.setStatus('authenticated');
      failures = 0;
      schedule();
    }
  }

  const sendContext: SendContext = {
    authorize,
    credentialsNow,
    asksForNonce: async (url, response) => dpop !== null && (await dpop.observe(url, response)),
    recover: (stamp) => coordinator.recover(stamp),
    onAnswer: noteAnswer,
    onNoAnswer: () => state.setStatus('offline'),
  };

  function postAuthorized(path: string, body: (session: Session) => unknown): Promise<Response> {
    return sendWithRetry(sendContext, apiUrl(path), 'POST', (auth) => {
      const session = state.session;
      return postJson(opts.fetch, apiUrl(path), session ? body(session) : {}, auth);
    });
  }

  // ---- start ----

  const stored = (() => {
    try {
      return storage.getItem(storageKey);
    } catch {
      return null;
    }
  })();
  let ready: Promise<void>;
  if (typeof stored === 'object' && stored !== null && typeof stored.then === 'function') {
    state.beginLoading();
    ready = Promise.resolve(stored).then(
      (text) => adopt(parseSession(text)),
      () => adopt(null),
    );
  } else {
    adopt(parseSession(stored as string | null));
    ready = Promise.resolve();
  }

  return {
    ready,
    async login(username, password) {
      await ready;
      const credentials = await loginCredentials({
        transport,
        fetch: opts.fetch,
        apiUrl,
        csrfHeaderName: opts.csrfHeaderName,
      });
      const response = await postToken(paths.tokenObtain, { username, password }, credentials, 'create');
      if (!response.ok) {
        observeClock(response);
        throw await errorFromResponse(response);
      }
      const session = await sessionFromResponse(response);
      observeClock(response, session);
      failures = 0;
      quietUntil = 0;
      adopt(session);
      await writeStored(session);
      tabs?.publish(session);
      return session.claims;
    },
    async logout() {
      await ready;
      leaving = true;
      let result: LogoutResult = { confirmed: true };
      try {
        // A refresh in flight would rotate the token this logout revokes: let it land first.
        await coordinator.inFlight?.catch(() => undefined);
        const session = state.session;
        if (session !== null)
          result = await revokeOnServer({ fetch: opts.fetch, apiUrl, transport, serverNow, sendWithAccess }, session);
      } finally {
        leaving = false;
      }
      // The user is logged out here whatever the server said.
      await endSession(null);
      await dpop?.forget();
      return result;
    },
    async logoutAll() {
      await ready;
      if (state.session === null) throw new AuthClientError('not_authenticated', 'There is no session to revoke.');
      let failure: AuthClientError | null = null;
      try {
        const response = await postAuthorized(paths.tokenRevokeAll, () => ({}));
        // A 401 that ended the session (its refresh token refused) leaves nothing to revoke with; one that did
        // not (the refresh throttled or failing) means the server revoked nothing.
        if (response.ok || (response.status === 401 && state.session === null)) discardBody(response);
        else if (response.status === 401 && state.throttledAt(platform.now()))
          failure = stillThrottled(state.retryAt ?? 0);
        else failure = await errorFromResponse(response);
      } catch (error) {
        failure =
          error instanceof AuthClientError
            ? error
            : new AuthClientError('network_error', String(error), { cause: error });
      }
      await endSession(null);
      await dpop?.forget();
      if (failure !== null) throw failure;
    },
    async refresh() {
      await ready;
      if (state.session === null) throw new AuthClientError('not_authenticated', 'There is no session to refresh.');
      await coordinator.refresh();
    },
    ...accountMailCalls(opts.fetch, apiUrl),
    fetch: (input, init) => fetchWithCredentials(sendContext, opts.fetch, apiUrl, input, init),
    getAccessToken: () => state.session?.access ?? null,
    getUser: () => state.session?.claims ?? null,
    subscribe: (listener) => state.subscribe(listener),
    getSnapshot: () => state.getSnapshot(),
    authorize,
    handleUnauthorized: (stamp) => coordinator.recover(stamp),
    acceptDpopNonce: (url, nonce) => dpop !== null && dpop.rememberNonce(apiUrl(url), nonce),
    dispose() {
      disposed = true;
      timer.cancel();
      tabs?.close();
      platform.document?.removeEventListener?.('visibilitychange', onVisibility);
      platform.window?.removeEventListener('online', wake);
    },
  };
}
