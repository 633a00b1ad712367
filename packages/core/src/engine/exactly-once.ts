import { SiglumeWebhookError, isSiglumeWebhookError } from "../errors.js";
import type { Claim, ClaimResult, CompletionInfo, IdempotencyStore } from "../idempotency/store.js";
import type { Watched } from "../platform/contract.js";
import { deadlines } from "../platform/index.js";
import { isPromiseLike, type MaybePromise } from "./maybe.js";

/** One event to run under a claim: the store's key and record, and the handler. */
export interface ClaimedRun<T> {
  /** Idempotency key of the event (namespaced by provider and route). */
  key: string;
  /** Event type, for the store's record. */
  type: string;
  /** bodyDigest() of the signed body, recorded with the claim. */
  digest: string;
  /** Calls the user's handler; gets the claim's transaction, when the store has one. */
  run(transaction: unknown): T | PromiseLike<T>;
  /** What to record on completion, from the handler's result. */
  completion(value: T): CompletionInfo;
  /** Told the claim's answer ("claimed", "completed", "in_flight"): a span event. Optional. */
  claimed?(status: ClaimResult["status"]): void;
  /** Told when the handler settled (returned, threw, or its Promise settled): its duration. Optional. */
  settled?(): void;
}

/**
 * What the exactly-once runner needs: the store that records claims and completions, the handler timeout, the longest
 * a claim is renewed, and where failures are reported.
 */
export interface ExactlyOnceOptions {
  /** The store claims and completions are recorded in. */
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

/**
 * How one exactly-once run ended for this delivery: completed, a duplicate of a completed event, in flight elsewhere,
 * failed (claim released), timed out (claim kept by the running handler), or the store failed. The engine turns each
 * into the answer.
 */
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

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * The error (`STORE_UNAVAILABLE`, 503) of a delivery whose idempotency store could not be reached: nothing ran, and
 * the sender redelivers.
 */
export const storeUnavailable = new SiglumeWebhookError(
  "STORE_UNAVAILABLE",
  "The idempotency store could not be reached, so the event was not processed. The sender will redeliver it.",
);

/**
 * The error (`CLAIM_LOST`, 503) of a delivery whose claim lapsed while its handler ran and was taken over by another
 * delivery: it is not acknowledged, and the sender redelivers.
 */
export const claimLost = new SiglumeWebhookError(
  "CLAIM_LOST",
  "This delivery's claim on the event lapsed while its handler ran (the process stalled for longer than the " +
    "lease) and another delivery took it over, so this one was not acknowledged. The sender will redeliver it.",
);

export function storeFailure(error: unknown): SiglumeWebhookError {
  return isSiglumeWebhookError(error) ? error : storeUnavailable;
}

/** A store step's answer as a Promise, whether the store answered at once, later, or threw. */
function promised<T>(step: () => MaybePromise<T>): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Renews the claim while its handler runs, for at most maxHandlerMs. Returns
 * the function that stops it. Claims that cannot lapse need no renewal.
 */
export function keepClaimed(claim: Claim, options: Pick<ExactlyOnceOptions, "maxHandlerMs" | "report">): () => void {
  const every = claim.renewEveryMs;
  if (every === undefined) return noop;
  const renewal = new Renewal(claim, every, options);
  deadlines.add(renewal, every);
  return () => renewal.stop();
}

function noop(): void {}

/** A claim's lease renewal on the shared deadlines: a delivery whose handler settles before it costs no timer. */
class Renewal implements Watched {
  at: number;
  private readonly startedAt = performance.now();
  private stopped = false;

  constructor(
    private readonly claim: Claim,
    private readonly every: number,
    private readonly options: Pick<ExactlyOnceOptions, "maxHandlerMs" | "report">,
  ) {
    this.at = this.startedAt + every;
  }

  stop(): void {
    this.stopped = true;
    deadlines.delete(this);
  }

  expire(): void {
    if (this.stopped) return;
    const { options } = this;
    if (performance.now() - this.startedAt >= options.maxHandlerMs) {
      options.report(
        new Error(
          `The handler has been running for ${options.maxHandlerMs} ms (maxHandlerMs) without settling. Its claim is ` +
            "no longer renewed and will lapse, so a redelivery can run the event again.",
        ),
      );
      return;
    }
    promised(() => this.claim.renew()).then(
      (owned) => (owned ? this.next() : options.report(claimLost)),
      (error: unknown) => {
        options.report(error);
        this.next();
      },
    );
  }

  private next(): void {
    if (this.stopped) return;
    this.at = performance.now() + this.every;
    deadlines.add(this, this.every);
  }
}

/** Completes or releases the claim once the handler settled; synchronous when the store answers at once. */
function finish<T>(claim: Claim, run: ClaimedRun<T>, settled: Settled<T>, options: ExactlyOnceOptions): MaybePromise<RunOutcome<T>> {
  if (settled.ok) {
    const completed = (owned: boolean): RunOutcome<T> => {
      if (owned) return { kind: "completed", value: settled.value };
      options.report(claimLost);
      return { kind: "store_failed", error: claimLost };
    };
    const completeFailed = (error: unknown): RunOutcome<T> => {
      options.report(error);
      return { kind: "store_failed", error: storeFailure(error) };
    };
    let owned: MaybePromise<boolean>;
    try {
      owned = claim.complete(run.completion(settled.value));
    } catch (error) {
      return completeFailed(error);
    }
    return isPromiseLike(owned) ? Promise.resolve(owned).then(completed, completeFailed) : completed(owned);
  }
  options.report(settled.error);
  const failed: RunOutcome<T> = { kind: "failed", error: settled.error };
  // A failed release: the claim lapses (or its transaction ends with its connection); the redelivery runs the
  // handler again.
  const releaseFailed = (error: unknown): RunOutcome<T> => {
    options.report(error);
    return isSiglumeWebhookError(error) ? { kind: "store_failed", error } : failed;
  };
  let released: MaybePromise<void>;
  try {
    released = claim.release({ error: settled.error });
  } catch (error) {
    return releaseFailed(error);
  }
  return isPromiseLike(released) ? Promise.resolve(released).then(() => failed, releaseFailed) : failed;
}

/**
 * A handler that did not settle synchronously: waits for it for at most handlerTimeoutMs (one entry on the
 * shared deadlines), then completes or releases its claim. Past the timeout the delivery is answered `timeout`,
 * and the claim stays with the handler, renewed, until it settles.
 */
class Waiting<T> implements Watched {
  at: number;
  private answered = false;
  private resolve!: (outcome: MaybePromise<RunOutcome<T>>) => void;

  constructor(
    private readonly claim: Claim,
    private readonly run: ClaimedRun<T>,
    private readonly options: ExactlyOnceOptions,
    private readonly stopRenewing: () => void,
  ) {
    this.at = performance.now() + options.handlerTimeoutMs;
  }

  wait(value: PromiseLike<T>): Promise<RunOutcome<T>> {
    const outcome = new Promise<MaybePromise<RunOutcome<T>>>((resolve) => (this.resolve = resolve));
    deadlines.add(this, this.options.handlerTimeoutMs);
    // Through Promise.resolve: a thenable whose `then` throws becomes a rejection, never an escape with the claim held.
    Promise.resolve(value).then(
      (result) => this.settle({ ok: true, value: result }),
      (error: unknown) => this.settle({ ok: false, error }),
    );
    return outcome as Promise<RunOutcome<T>>;
  }

  /** The handler settled: finish the claim; answer the delivery unless the timeout already did. */
  private settle(settled: Settled<T>): void {
    this.stopRenewing();
    this.run.settled?.();
    if (!this.answered) {
      this.answered = true;
      deadlines.delete(this);
      this.resolve(finish(this.claim, this.run, settled, this.options));
      return;
    }
    // finish() never rejects: every store failure is an outcome.
    void Promise.resolve(finish(this.claim, this.run, settled, this.options)).then(() => this.lateSettled?.());
  }

  /** handlerTimeoutMs passed first. */
  expire(): void {
    if (this.answered) return;
    this.answered = true;
    const { options, run } = this;
    options.report(
      new SiglumeWebhookError(
        "HANDLER_TIMEOUT",
        `The handler for ${run.key} did not settle within handlerTimeoutMs (${options.handlerTimeoutMs} ms); the ` +
          "delivery was answered 503 and the claim stays with the handler until it settles.",
      ),
    );
    this.claim.abandon?.();
    // Where the runtime ends a request's work with its answer (workerd), the handler is kept alive until it settles.
    options.waitUntil?.(new Promise<void>((resolve) => (this.lateSettled = resolve)));
    this.resolve(TIMEOUT);
  }

  /** Resolves the waitUntil promise once a timed-out handler's claim is finished. */
  private lateSettled: (() => void) | undefined;
}

/**
 * Runs a handler exactly once per event key, under a claim owned by this
 * delivery: claim, run (renewing the lease), then complete or release. Past
 * handlerTimeoutMs the delivery gives up waiting (`timeout`), but the claim
 * stays with the running handler and is completed or released when it settles.
 * Synchronous as far as the store and the handler are: with the in-memory store
 * and a handler that returns at once, no Promise is made at all.
 */
export function claimAndRun<T>(run: ClaimedRun<T>, options: ExactlyOnceOptions): MaybePromise<RunOutcome<T>> {
  const failedToClaim = (error: unknown): RunOutcome<T> => {
    options.report(error);
    return { kind: "store_failed", error: storeFailure(error) };
  };
  let claimed: MaybePromise<ClaimResult>;
  try {
    claimed = options.store.claim(run.key, { type: run.type, digest: run.digest });
  } catch (error) {
    return failedToClaim(error);
  }
  if (isPromiseLike(claimed)) return Promise.resolve(claimed).then((result) => runClaimed(result, run, options), failedToClaim);
  return runClaimed(claimed, run, options);
}

function runClaimed<T>(claimed: ClaimResult, run: ClaimedRun<T>, options: ExactlyOnceOptions): MaybePromise<RunOutcome<T>> {
  run.claimed?.(claimed.status);
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
    run.settled?.();
    return finish(claim, run, { ok: false, error }, options);
  }
  if (!pending) {
    stopRenewing();
    run.settled?.();
    return finish(claim, run, { ok: true, value: value as T }, options);
  }
  return new Waiting(claim, run, options, stopRenewing).wait(value as PromiseLike<T>);
}

/** `claimAndRun` as a Promise, for callers outside the engine. */
export async function runExactlyOnce<T>(run: ClaimedRun<T>, options: ExactlyOnceOptions): Promise<RunOutcome<T>> {
  return claimAndRun(run, options);
}
