import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/**
 * The pool Kysely draws from, with the one rule pg's own pool lacks: a
 * connection whose query failed for want of an answer (a timeout, a reset)
 * is destroyed when released, never handed out again. A query that timed out
 * on this side may still hold an open transaction on the server, its rows
 * locked; reused, the connection's next statement could commit it.
 */
export function discardingBrokenConnections(pool: pg.Pool, isBroken: (error: unknown) => boolean): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let broken: Error | undefined;
      const query = (sqlOrCursor: string | PostgresCursor<unknown>, parameters?: ReadonlyArray<unknown>) => {
        if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as never) as unknown;
        // Not even a ROLLBACK: it would wait on the same silent connection. Closing it rolls back.
        if (broken !== undefined) return Promise.reject(broken);
        return client.query(sqlOrCursor, parameters as unknown[]).catch((error: unknown) => {
          if (isBroken(error)) broken = error instanceof Error ? error : new Error(String(error));
          throw error;
        }) as Promise<PostgresQueryResult<unknown>>;
      };
      return {
        query: query as PostgresPoolClient['query'],
        // pg destroys a client released with an error instead of returning it to the pool.
        release: () => client.release(broken),
      };
    },
    end: () => pool.end(),
  };
}
