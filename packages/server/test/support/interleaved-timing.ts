import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** Headers that name the moment or the connection, not the answer. */
const VOLATILE_HEADERS = new Set(['date']);

/** Everything a client sees of an answer but the volatile headers: what must not differ between kinds. */
export function observable(response: LightMyRequestResponse) {
  const headers = Object.entries(response.headers).filter(([name]) => !VOLATILE_HEADERS.has(name));
  return { status: response.statusCode, headers, body: response.rawPayload.toString('base64') };
}

/**
 * How long each kind of request takes, as the median of interleaved rounds:
 * each round runs every kind once, in an order rotated every round and
 * reversed every other, so no kind always runs first or after another, and a
 * noisy machine slows all kinds alike. `attempt` makes the request and checks
 * its answer; the first `warmUp` rounds are not counted.
 *
 * @returns each kind's median, in milliseconds.
 */
export async function medianTimesMs<Kind extends string>(
  kinds: readonly Kind[],
  { warmUp, rounds, attempt }: { warmUp: number; rounds: number; attempt: (kind: Kind) => Promise<void> },
): Promise<Record<Kind, number>> {
  const samples = new Map<Kind, number[]>(kinds.map((kind) => [kind, []]));
  for (let round = 0; round < warmUp + rounds; round += 1) {
    const rotated = kinds.map((_, i) => kinds[(i + round) % kinds.length] as Kind);
    for (const kind of round % 2 === 0 ? rotated : rotated.reverse()) {
      const started = process.hrtime.bigint();
      await attempt(kind);
      const elapsed = Number(process.hrtime.bigint() - started);
      if (round >= warmUp) samples.get(kind)?.push(elapsed);
    }
  }
  return Object.fromEntries(kinds.map((kind) => [kind, median(samples.get(kind) ?? []) / 1e6])) as Record<Kind, number>;
}

/**
 * {@link medianTimesMs} over requests that must all answer alike: each
 * answer is checked to be {@link observable}ly the one `reference` got.
 *
 * @returns each kind's median, and the largest median over the smallest.
 */
export async function uniformAnswerTimes<Kind extends string>(
  kinds: readonly Kind[],
  {
    warmUp,
    rounds,
    reference,
    send,
  }: { warmUp: number; rounds: number; reference: Kind; send: (kind: Kind) => Promise<LightMyRequestResponse> },
): Promise<{ medians: Record<Kind, number>; ratio: number }> {
  const expected = observable(await send(reference));
  const medians = await medianTimesMs(kinds, {
    warmUp,
    rounds,
    attempt: async (kind) => expect(observable(await send(kind))).toEqual(expected),
  });
  const values = Object.values<number>(medians);
  return { medians, ratio: Math.max(...values) / Math.min(...values) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
