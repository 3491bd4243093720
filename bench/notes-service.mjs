// The services bench/verified-service.mjs measures, each a child process:
//
//   BENCH_NOTES_MODE=verified  examples/notes-api as built (buildVerified), its request log off: the notes
//                              routes behind @tessera/verify, keys from tessera's JWKS (or, with
//                              BENCH_NOTES_SECRET, HS256 with the shared secret), revocations from its feed
//   BENCH_NOTES_MODE=bare      the same Fastify, GET /notes/ in a scope of its own with no preHandler,
//                              answering what the notes route answers a user without notes: []
//   BENCH_NOTES_MODE=trusted   the example's notes routes (registerNotes) with a preHandler that sets a
//                              fixed user without reading the token: what the example costs besides
//                              verification
//
// It listens only once the verifier is ready (keys in hand, feed live). Env: PORT, HOST, TESSERA_URL,
// TESSERA_SERVICE_NAME, TESSERA_SERVICE_SECRET.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib.mjs';

const EXAMPLE_DIR = path.join(ROOT, 'examples', 'notes-api');
const mode = process.env.BENCH_NOTES_MODE;

/** The Fastify the example resolves, so that every variant runs the same framework. */
async function exampleFastify() {
  const resolved = createRequire(path.join(EXAMPLE_DIR, 'package.json')).resolve('fastify');
  const { default: Fastify } = await import(pathToFileURL(resolved).href);
  return Fastify({ logger: false });
}

async function buildBare() {
  const app = await exampleFastify();
  void app.register((scope, _options, done) => {
    scope.get('/notes/', () => []);
    done();
  });
  return app;
}

async function buildTrusted() {
  const { registerNotes } = await import(pathToFileURL(path.join(EXAMPLE_DIR, 'dist', 'notes.js')).href);
  const app = await exampleFastify();
  const user = Object.freeze({ token_type: 'access', user_id: '1', username: 'bench', sid: 'bench' });
  app.decorateRequest('user', null);
  registerNotes(app, {
    authenticate: async (request) => {
      request.user = user;
    },
  });
  return app;
}

async function buildVerifiedNotes() {
  const { buildVerified } = await import(pathToFileURL(path.join(EXAMPLE_DIR, 'dist', 'verified.js')).href);
  const options = {
    url: process.env.TESSERA_URL,
    service: { name: process.env.TESSERA_SERVICE_NAME, secret: process.env.TESSERA_SERVICE_SECRET },
  };
  // buildVerified hands its options to @tessera/verify as they are, `secret` (shared-secret mode) included;
  // were it ever dropped, every HS256 request would be a 401 and the bench would say so.
  const secret = process.env.BENCH_NOTES_SECRET;
  const app = await buildVerified(secret ? { ...options, secret } : options, false);
  await app.verifier.ready();
  return app;
}

const builders = { bare: buildBare, trusted: buildTrusted, verified: buildVerifiedNotes };
if (!Object.hasOwn(builders, mode)) {
  console.error(`notes-service: BENCH_NOTES_MODE must be one of ${Object.keys(builders)}, not ${JSON.stringify(mode)}`);
  process.exit(2);
}
const app = await builders[mode]();
await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
