import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildApp,
  createArgon2idHasher,
  openSqliteStore,
  resolveConfig,
  type Store,
  type UserRecord,
} from '@tessera/server';
import type { FastifyInstance } from 'fastify';
// The server suites' viewer record, so that both kinds of test make users alike.
import { seedUser } from '../../../../packages/server/test/support/users.js';

const SECRET = 'web-test-secret-key-that-is-long-enough-0123456789';
const WEB_ROOT = fileURLToPath(new URL('../../dist/', import.meta.url));
const hasher = createArgon2idHasher();

/** A real tessera listening on 127.0.0.1, serving the built app, in cookie mode over plain http. */
export interface WebServer {
  app: FastifyInstance;
  store: Store;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  createUser(username: string, password: string, fields?: Partial<Omit<UserRecord, 'id'>>): Promise<UserRecord>;
  /** Logs in over the API as another device would (bearer), and returns the pair. */
  loginElsewhere(username: string, password: string, userAgent?: string): Promise<{ access: string; refresh: string }>;
  close(): Promise<void>;
}

/** Creates an active viewer `username` with an argon2id hash of `password` in `store`; `fields` override. */
export async function addUser(
  store: Store,
  username: string,
  password: string,
  fields: Partial<Omit<UserRecord, 'id'>> = {},
): Promise<UserRecord> {
  return seedUser(store, username, password, fields, hasher);
}

/** Listens on `port` (a free one by default): a test that must know the URL first, for TESSERA_PUBLIC_URL, picks it. */
export async function startWebServer(env: Record<string, string> = {}, port = 0): Promise<WebServer> {
  if (!existsSync(`${WEB_ROOT}index.html`)) throw new Error('The web app is not built: run `npm run build:web` first.');
  const config = resolveConfig({
    TESSERA_SECRET_KEY: SECRET,
    DATABASE_URL: 'sqlite::memory:',
    TESSERA_RATE_LIMITS: 'off',
    TESSERA_COOKIE_MODE: 'on',
    TESSERA_COOKIE_SECURE: 'false',
    ...env,
  });
  const store = await openSqliteStore({ path: ':memory:' });
  const app = await buildApp({ config, secretKey: SECRET, store, hasher, logger: false, webRoot: WEB_ROOT });
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    store,
    url,
    createUser: async (username, password, fields = {}) => addUser(store, username, password, fields),
    async loginElsewhere(
      username,
      password,
      userAgent = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    ) {
      const response = await fetch(`${url}/api/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': userAgent },
        body: JSON.stringify({ username, password }),
      });
      if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
      return (await response.json()) as { access: string; refresh: string };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}
