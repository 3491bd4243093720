// tessera without its revocation check, for one comparison only: the same
// app, except that protected requests trust forever the session state they
// read once (as a stateless JWT server would), instead of the cache that
// revocations invalidate. `npm run bench` serves GET /api/profile/ from this
// and from the real server side by side; the ratio is the check's price.
// Run as a child process: PORT=1234 DATABASE_URL=… TESSERA_SECRET_KEY=… node bench/tessera-unchecked.mjs
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_DIST } from './lib.mjs';

const load = (file) => import(pathToFileURL(path.join(SERVER_DIST, file)).href);
const { resolveConfig } = await load('config.js');
const { buildApp } = await load('http/app.js');
const { openStore } = await load('store/open.js');

const config = resolveConfig(process.env);
const store = await openStore(config, { backgroundCheckpoints: true });
const seen = new Map();
// Synchronous once seen, as tessera's own cache answers a hit.
const sessions = {
  find(sessionId) {
    if (seen.has(sessionId)) return seen.get(sessionId);
    return store.findSession(sessionId).then((state) => (seen.set(sessionId, state), state));
  },
};
const app = await buildApp({ config, secretKey: config.secretKey, store, sessions, logger: { level: 'warn' } });
await app.listen({ port: config.port, host: config.host });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(
    signal,
    () =>
      void app
        .close()
        .then(() => store.close())
        .then(() => process.exit(0)),
  );
}
