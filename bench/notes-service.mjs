// The services bench/verified-service.mjs measures, each a child process:
//
//   BENCH_NOTES_MODE=verified  examples/notes-api as built (buildVerified), its request log off: the notes
//                              routes behind @tessera/verify, keys from tessera's JWKS (or, with
//                              BENCH_NOTES_SECRET, HS256 with the shared secret), revocations from its feed
//   BENCH_NOTES_MODE=bare      the same Fastify, GET /notes/ in a scope of its own with no preHandler,
//                              answering what the notes route answers a user without notes: []
//
// It listens only once the verifier is ready (keys in hand, feed live). Env: PORT, HOST, TESSERA_URL,
// TESSERA_SERVICE_NAME, TESSERA_SERVICE_SECRET.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib.mjs';

const EXAMPLE_DIR = path.join(ROOT, 'examples', 'notes-api');
const mode = process.env.BENCH_NOTES_MODE;

async function buildBare() {
  // The Fastify the example resolves, so that both variants run the same framework.
  const resolved = createRequire(path.join(EXAMPLE_DIR, 'package.json')).resolve('fastify');
  const { default: Fastify } = await import(pathToFileURL(resolved).href);
  const app = Fastify({ logger: false });
  void app.register((scope, _options, done) => {
    scope.get('/notes/', () => []);
    done();
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

if (mode !== 'bare' && mode !== 'verified') {
  console.error(`notes-service: BENCH_NOTES_MODE must be bare or verified, not ${JSON.stringify(mode)}`);
  process.exit(2);
}
const app = mode === 'bare' ? await buildBare() : await buildVerifiedNotes();
await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
