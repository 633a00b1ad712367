import type { MaybePromise } from "../platform/contract.js";

export type { MaybePromise };

/** Whether `value` is a thenable (a Promise or anything with a `then` method). */
export const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === "function";

/**
 * `next(value)`, synchronously when `value` is already there (Node's crypto), after it settles when it is a
 * Promise (WebCrypto): one code path for both platforms, no microtask where nothing is awaited. (Not named
 * `then`: a module exporting `then` is a thenable, and `await import()` of it would call it.)
 */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** The values, as an array now when none is a Promise, else a Promise of the array. */
export function all<T>(values: readonly MaybePromise<T>[]): MaybePromise<T[]> {
  for (const value of values) if (value instanceof Promise) return Promise.all(values);
  return values as T[];
}
