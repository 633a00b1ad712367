import { SiglumeWebhookError, isSiglumeWebhookError } from "../errors.js";
import type { Claim, ClaimResult, CompletionInfo, IdempotencyStore } from "../idempotency/store.js";
import type { Watched } from "../platform/contract.js";
import { deadlines } from "../platform/index.js";
import { isPromiseLike, type MaybePromise } from "./maybe.js";
import { monotonicNow } from "../platform/timers.js";

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
  const renewal = new Renewal(claim, every, options, monotonicNow());
  deadlines.add(renewal, every);
  return () => renewal.stop();
}

function noop(): void {}

/** A claim's lease renewal on the shared deadlines: a delivery whose handler settles before it costs no timer. */
class Renewal implements Watched {
  at: number;
  watchSlot: number | undefined = undefined;
  private stopped = false;

  constructor(
    private readonly claim: Claim,
    private readonly every: number,
    private readonly options: Pick<ExactlyOnceOptions, "maxHandlerMs" | "report">,
    /** When the handler started: maxHandlerMs counts from here, and the first renewal is one period after. */
    private readonly startedAt: number,
  ) {
    this.at = startedAt + every;
  }

  stop(): void {
    this.stopped = true;
    deadlines.delete(this);
  }

  expire(): void {
    if (this.stopped) return;
    const { options } = this;
    if (monotonicNow() - this.startedAt >= options.maxHandlerMs) {
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
    this.at = monotonicNow() + this.every;
    deadlines.add(this, this.every);
  }
}

/** The claim is recorded as completed: the outcome, or CLAIM_LOST when another delivery took the claim over. */
function completed<T>(owned: boolean, value: T, options: ExactlyOnceOptions): RunOutcome<T> {
  if (owned) return { kind: "completed", value };
  options.report(claimLost);
  return { kind: "store_failed", error: claimLost };
}

/** A store step (claim or completion) threw or rejected: reported, and nothing is acknowledged. */
function storeStepFailed(error: unknown, options: ExactlyOnceOptions): RunOutcome<never> {
  options.report(error);
  return { kind: "store_failed", error: storeFailure(error) };
}

/**
 * A failed release: the claim lapses (or its transaction ends with its connection); the redelivery runs the
 * handler again, unless the store said what failed.
 */
function releaseFailed(error: unknown, failed: RunOutcome<never>, options: ExactlyOnceOptions): RunOutcome<never> {
  options.report(error);
  return isSiglumeWebhookError(error) ? { kind: "store_failed", error } : failed;
}

/**
 * Completes (`ok`) or releases the claim once the handler settled with `result` (its value, or what it threw).
 * Synchronous, with no closure made, when the store answers at once.
 */
function finish<T>(claim: Claim, run: ClaimedRun<T>, ok: boolean, result: unknown, options: ExactlyOnceOptions): MaybePromise<RunOutcome<T>> {
  if (ok) {
    let owned: MaybePromise<boolean>;
    try {
      owned = claim.complete(run.completion(result as T));
    } catch (error) {
      return storeStepFailed(error, options);
    }
    if (!isPromiseLike(owned)) return completed(owned, result as T, options);
    return Promise.resolve(owned).then(
      (done) => completed(done, result as T, options),
      (error: unknown) => storeStepFailed(error, options),
    );
  }
  options.report(result);
  const failed: RunOutcome<never> = { kind: "failed", error: result };
  let released: MaybePromise<void>;
  try {
    released = claim.release({ error: result });
  } catch (error) {
    return releaseFailed(error, failed, options);
  }
  if (!isPromiseLike(released)) return failed;
  return Promise.resolve(released).then(
    () => failed,
    (error: unknown) => releaseFailed(error, failed, options),
  );
}

/**
 * A handler that did not settle synchronously: one entry on the shared deadlines watches both its timeout
 * (handlerTimeoutMs) and its claim's first renewal, so a handler that settles before either costs no more.
 * Once the first renewal falls due (or the timeout passes first), a Renewal keeps the claim until the handler
 * settles. Past the timeout the delivery is answered `timeout`, and the claim stays with the handler.
 */
class Waiting<T> implements Watched {
  at: number;
  watchSlot: number | undefined = undefined;
  private readonly timeoutAt: number;
  private readonly renewAt: number;
  private renewal: Renewal | undefined;
  private answered = false;
  private resolve!: (outcome: MaybePromise<RunOutcome<T>>) => void;

  constructor(
    private readonly claim: Claim,
    private readonly run: ClaimedRun<T>,
    private readonly options: ExactlyOnceOptions,
    /** When the handler was called: its claim's first renewal is one period after. */
    private readonly startedAt: number,
  ) {
    this.timeoutAt = monotonicNow() + options.handlerTimeoutMs;
    const every = claim.renewEveryMs;
    this.renewAt = every === undefined ? Number.POSITIVE_INFINITY : startedAt + every;
    this.at = Math.min(this.timeoutAt, this.renewAt);
  }

  wait(value: PromiseLike<T>): Promise<RunOutcome<T>> {
    const outcome = new Promise<MaybePromise<RunOutcome<T>>>((resolve) => (this.resolve = resolve));
    deadlines.add(this, Math.min(this.options.handlerTimeoutMs, this.claim.renewEveryMs ?? Number.POSITIVE_INFINITY));
    // Through Promise.resolve: a thenable whose `then` throws becomes a rejection, never an escape with the claim held.
    Promise.resolve(value).then(
      (result) => this.settle(true, result),
      (error: unknown) => this.settle(false, error),
    );
    return outcome as Promise<RunOutcome<T>>;
  }

  /** The handler settled: finish the claim; answer the delivery unless the timeout already did. */
  private settle(ok: boolean, result: unknown): void {
    this.renewal?.stop();
    this.run.settled?.();
    if (!this.answered) {
      this.answered = true;
      deadlines.delete(this);
      this.resolve(finish(this.claim, this.run, ok, result, this.options));
      return;
    }
    // finish() never rejects: every store failure is an outcome.
    void Promise.resolve(finish(this.claim, this.run, ok, result, this.options)).then(() => this.lateSettled?.());
  }

  /** The claim's first renewal or the timeout fell due (the deadlines took this entry off before calling). */
  expire(): void {
    if (this.answered) return;
    // `at` counts as reached: a timer per entry (the web platform's) may fire a millisecond early, and reading the
    // clock alone would then push the first renewal back to the timeout, past a shorter lease.
    const now = Math.max(monotonicNow(), this.at);
    if (this.renewal === undefined && now >= this.renewAt) this.startRenewing(true);
    if (now < this.timeoutAt) {
      this.at = this.timeoutAt;
      deadlines.add(this, this.options.handlerTimeoutMs);
      return;
    }
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
    // The claim stays with the running handler: renewed from here on, from its first period.
    if (this.renewal === undefined) this.startRenewing(false);
    // Where the runtime ends a request's work with its answer (workerd), the handler is kept alive until it settles.
    options.waitUntil?.(new Promise<void>((resolve) => (this.lateSettled = resolve)));
    this.resolve(TIMEOUT);
  }

  /** Hands the claim to a Renewal: renewed now when its first renewal is due, else at it. */
  private startRenewing(due: boolean): void {
    const every = this.claim.renewEveryMs;
    if (every === undefined) return;
    const renewal = (this.renewal = new Renewal(this.claim, every, this.options, this.startedAt));
    if (due) renewal.expire();
    else deadlines.add(renewal, every);
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
  let claimed: MaybePromise<ClaimResult>;
  try {
    claimed = options.store.claim(run.key, { type: run.type, digest: run.digest });
  } catch (error) {
    return storeStepFailed(error, options);
  }
  if (!isPromiseLike(claimed)) return runClaimed(claimed, run, options);
  return Promise.resolve(claimed).then(
    (result) => runClaimed(result, run, options),
    (error: unknown) => storeStepFailed(error, options),
  );
}

function runClaimed<T>(claimed: ClaimResult, run: ClaimedRun<T>, options: ExactlyOnceOptions): MaybePromise<RunOutcome<T>> {
  run.claimed?.(claimed.status);
  if (claimed.status === "completed") return { kind: "duplicate", digest: claimed.digest, result: claimed.result };
  if (claimed.status === "in_flight") return IN_FLIGHT;

  // A handler that returns (or throws) at once needs no renewal and no watchdog entry: nothing can fire while it
  // runs. One that returns a Promise is watched by a Waiting.
  const { claim } = claimed;
  // Outside the try: a store that answered "claimed" with no claim is an internal error, not the handler's.
  if (claim === null || typeof claim !== "object") throw new TypeError("The idempotency store answered \"claimed\" without a claim.");
  const startedAt = monotonicNow();
  let value: T | PromiseLike<T>;
  let pending: boolean;
  try {
    value = run.run(claim.transaction);
    pending = isPromiseLike(value); // inside the try: a `then` getter that throws is the handler throwing
  } catch (error) {
    run.settled?.();
    return finish(claim, run, false, error, options);
  }
  if (!pending) {
    run.settled?.();
    return finish(claim, run, true, value, options);
  }
  return new Waiting(claim, run, options, startedAt).wait(value as PromiseLike<T>);
}

/** `claimAndRun` as a Promise, for callers outside the engine. */
export async function runExactlyOnce<T>(run: ClaimedRun<T>, options: ExactlyOnceOptions): Promise<RunOutcome<T>> {
  return claimAndRun(run, options);
}
