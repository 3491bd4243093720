/**
 * The notes service in a process of its own, trusting tessera through
 * @tessera/verify: keys from tessera's JWKS, revocations from its feed, so a
 * logout at tessera is refused here within a second.
 *
 *   tessera services create notes        # prints the secret on its last line
 *   TESSERA_URL=http://127.0.0.1:8000 TESSERA_SERVICE_NAME=notes TESSERA_SERVICE_SECRET=… \
 *     npm start -w @tessera/example-notes-api
 */
import tesseraVerify from '@tessera/verify/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerNotes } from './notes.js';

export interface VerifiedOptions {
  /** tessera's base URL, its path prefix included. */
  url: string;
  service: { name: string; secret: string };
}

export async function buildVerified(options: VerifiedOptions, logger = true): Promise<FastifyInstance> {
  const app = Fastify({ logger });
  await app.register(tesseraVerify, options);
  registerNotes(app, { authenticate: app.authenticate });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const required = (name: string): string => {
    const value = process.env[name];
    if (value === undefined || value === '') {
      console.error(`notes-api: set ${name} (see examples/notes-api/README.md)`);
      process.exit(2);
    }
    return value;
  };
  const app = await buildVerified({
    url: required('TESSERA_URL'),
    service: { name: required('TESSERA_SERVICE_NAME'), secret: required('TESSERA_SERVICE_SECRET') },
  });
  await app.listen({ port: Number(process.env.PORT ?? 8100), host: process.env.HOST ?? '127.0.0.1' });
}
