import { describe, expect, it } from 'vitest';
import type { RequestAuthorization } from '../src/auth-client.js';
import { sendWithRetry, type SendContext } from '../src/authorized-fetch.js';

const URL_ = 'https://api.example.com/api/profile/';
const USE_NONCE = { detail: 'The DPoP proof must carry the nonce in DPoP-Nonce.', code: 'use_dpop_nonce' };
const answer = (status: number, body: unknown = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A context whose every credential is numbered, so the test sees which one each attempt sent. */
function context(options: { dpop: boolean; recovers?: boolean }) {
  let issued = 0;
  const calls: string[] = [];
  const credentials = (): RequestAuthorization => {
    issued += 1;
    const headers: Record<string, string> = { Authorization: `DPoP token-${issued}` };
    if (options.dpop) headers.DPoP = `proof-${issued}`;
    return { headers, credentials: undefined, stamp: 'stamp' };
  };
  const ctx: SendContext = {
    authorize: () => Promise.resolve(credentials()),
    credentialsNow: () => Promise.resolve(credentials()),
    async asksForNonce(_url, response) {
      calls.push('asksForNonce');
      const body = (await response.clone().json()) as { code?: string };
      return body.code === 'use_dpop_nonce';
    },
    recover() {
      calls.push('recover');
      return Promise.resolve(options.recovers ?? false);
    },
    onAnswer: () => undefined,
    onNoAnswer: () => undefined,
  };
  return { ctx, calls };
}

/** Sends through sendWithRetry with `answers` in turn; returns the final status and the proofs sent. */
async function run(ctx: SendContext, answers: Response[]) {
  const sent: Array<string | undefined> = [];
  const response = await sendWithRetry(ctx, URL_, 'GET', (auth) => {
    sent.push(auth.headers.DPoP);
    return Promise.resolve(answers.shift()!);
  });
  return { status: response.status, sent };
}

describe('sendWithRetry with DPoP-bound access tokens', () => {
  it('a use_dpop_nonce answer to a request with a proof goes once more at once, with a fresh proof', async () => {
    const { ctx, calls } = context({ dpop: true });
    expect(await run(ctx, [answer(401, USE_NONCE), answer(200)])).toEqual({
      status: 200,
      sent: ['proof-1', 'proof-2'],
    });
    expect(calls).toEqual(['asksForNonce']);
  });

  it('a second use_dpop_nonce is not retried for the nonce again: the refresh path has its turn', async () => {
    const { ctx, calls } = context({ dpop: true });
    expect(await run(ctx, [answer(401, USE_NONCE), answer(401, USE_NONCE)])).toEqual({
      status: 401,
      sent: ['proof-1', 'proof-2'],
    });
    // The second answer is read only for its nonce.
    expect(calls).toEqual(['asksForNonce', 'asksForNonce', 'recover']);
  });

  it('after a refresh the retry gets its own nonce retry', async () => {
    const { ctx } = context({ dpop: true, recovers: true });
    const answers = [answer(401, { code: 'token_not_valid' }), answer(401, USE_NONCE), answer(200)];
    expect(await run(ctx, answers)).toEqual({ status: 200, sent: ['proof-1', 'proof-2', 'proof-3'] });
  });

  it('a request without a proof is never retried for a nonce', async () => {
    const { ctx, calls } = context({ dpop: false });
    expect(await run(ctx, [answer(401, USE_NONCE)])).toEqual({ status: 401, sent: [undefined] });
    expect(calls).toEqual(['recover']);
  });
});
