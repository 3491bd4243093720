// The load the server dies under, and the ledger of what it acknowledged.
import { call, pairOf, type Pair, type Reply } from './http.js';

export type Operation = 'login' | 'refresh' | 'logout' | 'blacklist';

/** One login and everything done with its tokens: a session, as the client saw it. */
export interface Chain {
  readonly id: number;
  readonly username: string;
  /** Acknowledged pairs in order: the login's, then each acknowledged rotation's successor. */
  readonly pairs: Pair[];
  /** Set once a logout (205) or blacklist (200) of the newest refresh token was acknowledged. */
  revokedVia: 'logout' | 'blacklist' | undefined;
  /** The worker left this chain alone, live, and logged in again. */
  settled: boolean;
  /** A request of this chain that got no acknowledgement: what it did is unknown. */
  unknown: Operation | undefined;
}

/** Every acknowledged outcome: a 2xx whose body was received to its end. */
export interface Ledger {
  readonly chains: Chain[];
  readonly acknowledged: Record<Operation, number>;
  /** Requests with no acknowledgement (logins among them have no chain). */
  readonly unknown: Record<Operation, number>;
  /** What a healthy server must not do: a non-2xx answer, or no answer before the kill. */
  readonly unexpected: string[];
  /** Acknowledgements received after SIGKILL was sent: answers already on the wire. */
  acknowledgedAfterKill: number;
  /** When SIGKILL was sent, from the start of the load. */
  killedAfterMs: number | undefined;
}

export interface LoadOptions {
  baseUrl: string;
  usernames: readonly string[];
  password: string;
  workers: number;
  /** Asked after every acknowledgement: true when the server is to die now. */
  killWhen(ledger: Ledger, elapsedMs: number): boolean;
  /** Sends SIGKILL (synchronously: no acknowledgement may be counted as before it once it is called). */
  kill(): void;
}

/**
 * Runs `workers` clients, each looping: log in, rotate 1–3 times carrying the
 * newest refresh token, then log out, blacklist, or leave the session live
 * and start over. Kills the server when `killWhen` says so; each worker stops
 * at its first request without an answer, and at once after the kill.
 * @returns the ledger, once every worker has stopped.
 */
export async function runLoadUntilKilled(options: LoadOptions): Promise<Ledger> {
  const { baseUrl, password } = options;
  const ledger: Ledger = {
    chains: [],
    acknowledged: { login: 0, refresh: 0, logout: 0, blacklist: 0 },
    unknown: { login: 0, refresh: 0, logout: 0, blacklist: 0 },
    unexpected: [],
    acknowledgedAfterKill: 0,
    killedAfterMs: undefined,
  };
  const started = Date.now();
  let killed = false;
  const maybeKill = () => {
    if (killed || !options.killWhen(ledger, Date.now() - started)) return;
    killed = true;
    ledger.killedAfterMs = Date.now() - started;
    options.kill();
  };

  /** Sends one request; the reply when it is the expected acknowledgement, else undefined. */
  const attempt = async (
    operation: Operation,
    chain: Chain | undefined,
    expected: number,
    send: () => Promise<Reply>,
  ): Promise<Reply | undefined> => {
    let reply: Reply;
    try {
      reply = await send();
    } catch (error) {
      ledger.unknown[operation] += 1;
      if (chain !== undefined) chain.unknown = operation;
      if (!killed) ledger.unexpected.push(`${operation} got no answer before the kill: ${describe(error)}`);
      return undefined;
    }
    if (reply.status !== expected) {
      ledger.unexpected.push(`${operation} answered ${reply.status} ${JSON.stringify(reply.body)}, not ${expected}`);
      if (chain !== undefined) chain.unknown = operation;
      return undefined;
    }
    ledger.acknowledged[operation] += 1;
    if (killed) ledger.acknowledgedAfterKill += 1;
    return reply;
  };

  const worker = async (username: string) => {
    while (!killed) {
      const login = await attempt('login', undefined, 200, () =>
        call(baseUrl, '/api/token/', { body: { username, password } }),
      );
      if (login === undefined) return;
      const chain: Chain = {
        id: ledger.chains.length,
        username,
        pairs: [pairOf(login.body)],
        revokedVia: undefined,
        settled: false,
        unknown: undefined,
      };
      ledger.chains.push(chain);
      maybeKill();
      const newest = () => chain.pairs[chain.pairs.length - 1]!;

      for (let rotations = 1 + randomInt(3); rotations > 0; rotations -= 1) {
        if (killed) return;
        const refreshed = await attempt('refresh', chain, 200, () =>
          call(baseUrl, '/api/token/refresh/', { body: { refresh: newest().refresh } }),
        );
        if (refreshed === undefined) return;
        chain.pairs.push(pairOf(refreshed.body));
        maybeKill();
      }

      if (killed) return;
      const ending = Math.random();
      if (ending < 0.5) {
        const via = ending < 0.3 ? 'logout' : 'blacklist';
        const { access, refresh } = newest();
        const revoked = await attempt(via, chain, via === 'logout' ? 205 : 200, () =>
          via === 'logout'
            ? call(baseUrl, '/api/auth/logout/', { bearer: access, body: { refresh } })
            : call(baseUrl, '/api/token/blacklist/', { body: { refresh } }),
        );
        if (revoked === undefined) return;
        chain.revokedVia = via;
      } else {
        chain.settled = true;
      }
      maybeKill();
    }
  };

  await Promise.all(
    Array.from({ length: options.workers }, (_, i) => worker(options.usernames[i % options.usernames.length]!)),
  );
  return ledger;
}

function randomInt(below: number): number {
  return Math.floor(Math.random() * below);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
