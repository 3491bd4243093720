/** A value, or a promise of one: what a cache answers synchronously on a hit. */
export type Awaitable<T> = T | Promise<T>;

/**
 * `then` that stays synchronous when `value` is not a promise, so that a
 * request served from memory allocates no promise and waits for no
 * microtask (the protected GET's hot path).
 */
export function andThen<T, U>(value: Awaitable<T>, next: (value: T) => Awaitable<U>): Awaitable<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
