/**
 * Polls `probe` until it is true and returns how long that took; fails past
 * `ms`. For waiting on another process or the network, never on time itself.
 */
export async function within(ms: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await probe()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not within ${ms} ms`);
}
