import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds, failing with `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "the condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** What the hosts' request-timeout middleware answers (503) in the conformance apps. */
export const TIMED_OUT_TEXT = "request timed out";

/** A step the test takes explicitly: whatever awaits `released` goes on once the test calls `release()`. */
export interface Latch {
  readonly released: Promise<void>;
  release(): void;
}

export function latch(): Latch {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return { released, release };
}

/**
 * Counts the HTTP requests for `path` that reach any Node server in this process (Node's
 * `http.server.request.start` diagnostics channel: the request head has been parsed). `reached(n)`
 * resolves once n have arrived; `stop()` unsubscribes.
 */
export function arrivals(path: string): { reached(n: number): Promise<void>; stop(): void } {
  let count = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  const onStart = (message: unknown) => {
    const { request } = message as { request: IncomingMessage };
    if (request.url?.split("?")[0] !== path) return;
    count += 1;
    for (const waiter of waiting.filter((w) => w.n <= count)) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  subscribe("http.server.request.start", onStart);
  return {
    reached: (n) => (count >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve }))),
    stop: () => void unsubscribe("http.server.request.start", onStart),
  };
}

/**
 * Resolves once `promise` settles, or after `ms` if it has not by then: the way out for a case where
 * it never would (a lock timeout that is missing), so that case fails on its assertion, not the test's timeout.
 */
export function settledOr(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
