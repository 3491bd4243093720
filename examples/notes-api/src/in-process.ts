/**
 * The notes service with tessera inside it, as SimpleJWT lives inside a
 * Django project: one process, tessera's API at /auth/, and the notes routes
 * checked against tessera's own session cache, so a logout is refused at once.
 *
 *   DATABASE_URL=sqlite:./data/notes.sqlite TESSERA_EXTRA_CLAIMS=is_staff npm run start:in-process -w @tessera/example-notes-api
 */
import { tessera, type TesseraPluginOptions } from '@tessera/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerNotes } from './notes.js';

export async function buildInProcess(options: TesseraPluginOptions = {}, logger = true): Promise<FastifyInstance> {
  const app = Fastify({ logger });
  await app.register(tessera, { prefix: '/auth', ...options });
  registerNotes(app, { authenticate: app.authenticate });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await buildInProcess();
  await app.listen({ port: Number(process.env.PORT ?? 8100), host: process.env.HOST ?? '127.0.0.1' });
}
