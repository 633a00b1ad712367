// Taken once: on Node, `performance` is a getter on globalThis that runs wherever the name is read, and the engine
// reads the clock several times per delivery.
const clock = globalThis.performance;

/** Milliseconds on the monotonic clock: `performance.now()`. */
export const monotonicNow = (): number => clock.now();

/**
 * The delay of a timer due at `at` (on `performance.now()`'s clock): whole milliseconds, rounded up. Node truncates
 * a fractional delay to whole milliseconds, so `at - performance.now()` as it comes can fire up to a millisecond
 * before `at`: a deadline checked against the clock when it fires would find itself not yet due.
 */
export const timerDelay = (at: number): number => Math.max(0, Math.ceil(at - clock.now()));
