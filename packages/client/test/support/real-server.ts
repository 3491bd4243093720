// A real tessera for the client's integration suites: buildApp on a real
// HTTP port, SQLite in memory, the manual clock, and user alice.
import type { AddressInfo } from 'node:net';
import { createTestServer, type TestServer } from '../../../server/test/support/server.js';

export interface RealServer {
  server: TestServer;
  baseUrl: string;
}

export const ALICE = { username: 'alice', password: 'correct horse' } as const;

/**
 * Starts tessera with `env` on 127.0.0.1, with user {@link ALICE}. Its `Date`
 * header tells the manual clock's time, so a client learns the server's
 * clock as it would a real one's. Close it with `server.close()`.
 *
 * @example
 * ```ts
 * const { server, baseUrl } = await startRealServer({ TESSERA_RATE_LIMITS: 'refresh=1/hour' });
 * ```
 */
export async function startRealServer(env: Record<string, string>): Promise<RealServer> {
  const server = await createTestServer(env);
  server.app.addHook('onSend', async (_request, reply) => {
    void reply.header('date', new Date(server.clock.now()).toUTCString());
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  await server.createUser(ALICE.username, ALICE.password);
  return { server, baseUrl: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}` };
}
