import { SiglumeWebhookError, isSiglumeWebhookError } from "../errors.js";
import { isPromiseLike } from "./maybe.js";
import type { Claim, CompletionInfo, IdempotencyStore } from "../idempotency/store.js";
import { deadlines } from "../platform/index.js";

/** One event to run under a claim: the store's key and record, and the handler. */
export interface ClaimedRun<T> {
  key: string;
  type: string;
  digest: string;
  /** Calls the user's handler; gets the claim's transaction, when the store has one. */
  run(transaction: unknown): T | PromiseLike<T>;
  /** What to record on completion, from the handler's result. */
  completion(value: T): CompletionInfo;
}

export interface ExactlyOnceOptions {
  store: IdempotencyStore;
  /** How long the delivery waits for the handler before answering HANDLER_TIMEOUT. */
  handlerTimeoutMs: number;
  /** How long a claim is renewed for a handler that never settles. */
  maxHandlerMs: number;
  /** Contained onError: never throws. */
  report(error: unknown): void;
  /** Keeps work that outlives the answer alive (a Worker's `ctx.waitUntil`); absent where the process lives on. */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

export type RunOutcome<T> =
  /** This delivery ran the handler and its completion is recorded. */
  | { kind: "completed"; value: T }
  /** Completed before (by any delivery): `digest` and `result` as recorded then. */
  | { kind: "duplicate"; digest: string | null; result: string | null }
  | { kind: "in_flight" }
  /** The handler threw; its claim was released for the redelivery. */
  | { kind: "failed"; error: unknown }
  /** The handler is still running; the claim stays with it until it settles. */
  | { kind: "timeout" }
  /** The store failed (unreachable, connection lost, claim lost): nothing acknowledged. */
  | { kind: "store_failed"; error: SiglumeWebhookError };

const IN_FLIGHT = Object.freeze({ kind: "in_flight" as const });
const TIMEOUT = Object.freeze({ kind: "timeout" as const });
const TIMED_OUT = Symbol("timed out");

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };


export const storeUnavailable = new SiglumeWebhookError(
  "STORE_UNAVAILABLE",
  "The idempotency store could not be reached, so the event was not processed. The sender will redeliver it.",
);

export const claimLost = new SiglumeWebhookError(
  "CLAIM_LOST",
  "This delivery's claim on the event lapsed while its handler ran (the process stalled for longer than the " +
    "lease) and another delivery took it over, so this one was not acknowledged. The sender will redeliver it.",
);

export function storeFailure(error: unknown): SiglumeWebhookError {
  return isSiglumeWebhookError(error) ? error : storeUnavailable;
}

/**
 * Renews the claim while its handler runs, for at most maxHandlerMs. Returns
 * the function that stops it. Claims that cannot lapse need no renewal.
 */
export function keepClaimed(claim: Claim, options: Pick<ExactlyOnceOptions, "maxHandlerMs" | "report">): () => void {
  const every = claim.renewEveryMs;
  if (every === undefined) return noop;
  const startedAt = performance.now();
  let stopped = false;
  // On the shared watchdog: a delivery whose handler settles before the first renewal costs no timer.
  const renewal = {
    at: startedAt + every,
    expire(): void {
      if (stopped) return;
      if (performance.now() - startedAt >= options.maxHandlerMs) {
        options.report(
          new Error(
            `The handler has been running for ${options.maxHandlerMs} ms (maxHandlerMs) without settling. Its claim is ` +
              "no longer renewed and will lapse, so a redelivery can run the event again.",
          ),
        );
        return;
      }
      const next = () => {
        if (stopped) return;
        renewal.at = performance.now() + every;
        deadlines.add(renewal, every);
      };
      let renewing: Promise<boolean>;
      try {
        renewing = claim.renew();
      } catch (error) {
        renewing = Promise.reject(error);
      }
      renewing.then(
        (owned) => (owned ? next() : options.report(claimLost)),
        (error: unknown) => {
          options.report(error);
          next();
        },
      );
    },
  };
  deadlines.add(renewal, every);
  return () => {
    stopped = true;
    deadlines.delete(renewal);
  };
}

function noop(): void {}

/** Completes or releases the claim once the handler settled. */
async function finish<T>(claim: Claim, run: ClaimedRun<T>, settled: Settled<T>, report: (error: unknown) => void): Promise<RunOutcome<T>> {
  if (settled.ok) {
    let owned: boolean;
    try {
      owned = await claim.complete(run.completion(settled.value));
    } catch (error) {
      report(error);
      return { kind: "store_failed", error: storeFailure(error) };
    }
    if (!owned) {
      report(claimLost);
      return { kind: "store_failed", error: claimLost };
    }
    return { kind: "completed", value: settled.value };
  }
  report(settled.error);
  try {
    await claim.release({ error: settled.error });
  } catch (error) {
    // The claim lapses (or its transaction ends with its connection); the redelivery runs the handler again.
    report(error);
    if (isSiglumeWebhookError(error)) return { kind: "store_failed", error };
  }
  return { kind: "failed", error: settled.error };
}

/**
 * Runs a handler exactly once per event key, under a claim owned by this
 * delivery: claim, run (renewing the lease), then complete or release. Past
 * handlerTimeoutMs the delivery gives up waiting (`timeout`), but the claim
 * stays with the running handler and is completed or released when it settles.
 */
export async function runExactlyOnce<T>(run: ClaimedRun<T>, options: ExactlyOnceOptions): Promise<RunOutcome<T>> {
  let claimed;
  try {
    claimed = await options.store.claim(run.key, { type: run.type, digest: run.digest });
  } catch (error) {
    options.report(error);
    return { kind: "store_failed", error: storeFailure(error) };
  }
  if (claimed.status === "completed") return { kind: "duplicate", digest: claimed.digest, result: claimed.result };
  if (claimed.status === "in_flight") return IN_FLIGHT;

  const { claim } = claimed;
  const stopRenewing = keepClaimed(claim, options);
  let value: T | PromiseLike<T>;
  let pending: boolean;
  try {
    value = run.run(claim.transaction);
    pending = isPromiseLike(value); // inside the try: a `then` getter that throws is the handler throwing
  } catch (error) {
    stopRenewing();
    return finish(claim, run, { ok: false, error }, options.report);
  }
  if (!pending) {
    stopRenewing();
    return finish(claim, run, { ok: true, value: value as T }, options.report);
  }

  // Through Promise.resolve: a thenable whose `then` throws becomes a rejection, never an escape with the claim held.
  const settling: PromiseLike<Settled<T>> = Promise.resolve(value as PromiseLike<T>).then(
    (result): Settled<T> => ({ ok: true, value: result }),
    (error: unknown): Settled<T> => ({ ok: false, error }),
  );
  const first = await new Promise<Settled<T> | typeof TIMED_OUT>((resolve) => {
    const timeout = { at: performance.now() + options.handlerTimeoutMs, expire: () => resolve(TIMED_OUT) };
    deadlines.add(timeout, options.handlerTimeoutMs);
    settling.then((settled) => {
      deadlines.delete(timeout);
      resolve(settled);
    });
  });

  if (first !== TIMED_OUT) {
    stopRenewing();
    return finish(claim, run, first, options.report);
  }

  options.report(
    new SiglumeWebhookError(
      "HANDLER_TIMEOUT",
      `The handler for ${run.key} did not settle within handlerTimeoutMs (${options.handlerTimeoutMs} ms); the ` +
        "delivery was answered 503 and the claim stays with the handler until it settles.",
    ),
  );
  claim.abandon?.();
  const background = Promise.resolve(settling).then((settled) => {
    stopRenewing();
    return finish(claim, run, settled, options.report);
  });
  // Where the runtime ends a request's work with its answer (workerd), the handler is kept alive until it settles.
  options.waitUntil?.(background);
  return TIMEOUT;
}
