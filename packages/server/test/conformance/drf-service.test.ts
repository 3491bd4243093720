// A Django REST Framework service that trusts tessera's access tokens through
// SimpleJWT (examples/drf-service): by the JWKS with ES256 and RS256, by the
// shared key with HS256. What the README's "Protecting your own API" promises,
// and what it warns of: such a service has no revocation reach.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { fastHasher } from '../support/hasher.js';
import { TEST_SECRET } from '../support/server.js';
import { seedUser } from '../support/users.js';
import { PEER_SETUP, startDjangoService, whyPeerIsMissing, type RunningPeer } from './peer.js';

const SERVE = fileURLToPath(new URL('../../../../examples/drf-service/serve.sh', import.meta.url));
const missing = whyPeerIsMissing();
if (missing !== null && process.env.CI === 'true') {
  throw new Error(`CI=true but Django and SimpleJWT cannot run: ${missing}. ${PEER_SETUP} installs them.`);
}

const notValid = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
};

describe.skipIf(missing !== null).each(['ES256', 'RS256', 'HS256'] as const)(
  'a DRF service verifying tessera’s %s tokens with SimpleJWT',
  (algorithm) => {
    let store: Store;
    let tessera: FastifyInstance;
    let service: RunningPeer;
    let tesseraUrl: string;

    beforeAll(async () => {
      const config = resolveConfig({
        TESSERA_SECRET_KEY: TEST_SECRET,
        DATABASE_URL: 'sqlite::memory:',
        TESSERA_RATE_LIMITS: 'off',
        TESSERA_SIGNING_ALGORITHM: algorithm,
      });
      store = await openSqliteStore({ path: ':memory:' });
      await seedUser(store, 'alice', 'correct horse');
      tessera = await buildApp({ config, secretKey: TEST_SECRET, store, hasher: fastHasher, logger: false });
      tesseraUrl = await tessera.listen({ host: '127.0.0.1', port: 0 });
      service = await startDjangoService({
        script: SERVE,
        env: { TESSERA_URL: tesseraUrl, TESSERA_ALGORITHM: algorithm, TESSERA_SECRET_KEY: TEST_SECRET },
        name: 'the DRF service example',
      });
    });
    afterAll(async () => {
      await service?.stop();
      await tessera?.close();
      await store?.close();
    });

    const login = async () => {
      const response = await fetch(`${tesseraUrl}/api/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'correct horse' }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { access: string; refresh: string };
    };
    const whoami = (token: string) =>
      fetch(`${service.baseUrl}/api/whoami/`, { headers: { authorization: `Bearer ${token}` } });

    it('accepts an access token tessera signed, and knows its user from the claims alone', async () => {
      const { access } = await login();
      const header = JSON.parse(Buffer.from(access.split('.')[0]!, 'base64url').toString()) as { alg: string };
      expect(header.alg).toBe(algorithm);
      const response = await whoami(access);
      expect(response.status).toBe(200);
      const sid = (JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
      expect(await response.json()).toEqual({ user_id: '1', username: 'alice', session: sid });
    });

    it('refuses a forged token (alg none) and a refresh token', async () => {
      const { access, refresh } = await login();
      const [, payload] = access.split('.');
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      const forged = await whoami(none);
      expect(forged.status).toBe(401);
      expect(await forged.json()).toEqual(notValid);
      const wrongType = await whoami(refresh);
      expect(wrongType.status).toBe(401);
      expect(await wrongType.json()).toMatchObject({ code: 'token_not_valid' });
    });

    it('still accepts a logged-out session’s access token until it expires: no revocation reach', async () => {
      const { access, refresh } = await login();
      const logout = await fetch(`${tesseraUrl}/api/token/blacklist/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh }),
      });
      expect(logout.status).toBe(200);
      expect((await whoami(access)).status).toBe(200);
    });
  },
);
