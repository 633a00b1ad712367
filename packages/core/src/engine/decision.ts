import { isPromiseLike, type MaybePromise } from "./maybe.js";
import type { WebhookResponse } from "../http/response.js";
import type { Claim, ClaimResult } from "../idempotency/store.js";
import { keepClaimed } from "./exactly-once.js";
import { monotonicNow, timerDelay } from "../platform/timers.js";
import type { ResolvedEngineOptions } from "./options.js";
import type { DecisionPlan, Plan } from "./provider.js";
import type { DeliveryOutcome, DeliveryTrace } from "../telemetry/telemetry.js";

/** How often a copy on another instance asks the shared store whether the decision was recorded. */
const POLL_MS = 40;
/**
 * At the deadline, a decision whose record is being committed right then is waited for this long (so
 * what is sent is what is recorded); past it the fallback goes out. Within the 150 ms a deadline allows.
 */
const COMMIT_GRACE_MS = 100;

interface Decided {
  body: string;
  reason: "decided" | "fallback";
}

/** What the deciding delivery ends with: the body sent, or "this id was reused with another body". */
type Sent = Decided | { reused: true };

export interface DecisionRunner {
  /**
   * `waitUntil` keeps the deciding work alive past the answer where the runtime would end it (a Worker);
   * `trace` (telemetry) hears how the answer came about and times the handler.
   */
  run(
    plan: DecisionPlan,
    report: (error: unknown) => void,
    waitUntil?: ((promise: Promise<unknown>) => void) | undefined,
    trace?: DeliveryTrace | undefined,
  ): MaybePromise<WebhookResponse | Plan>;
}

/**
 * Runs decision plans (see DecisionPlan): the answer is written by the
 * deadline whatever the handler, the store or the network do; the handler
 * runs once per key and never once the deadline has passed; a decision is
 * recorded (for a transactional store: committed with the handler's work)
 * before it is sent, and what is sent is what is recorded and replayed.
 *
 * A delivery whose claim, handler and record all answer at once (the memory store, a synchronous handler) is
 * decided without a timer, a promise or a place among the pending: nothing can happen meanwhile. The first
 * step that waits puts the delivery there and starts its deadline.
 */
export function decisionRunner(engine: Pick<ResolvedEngineOptions<unknown>, "store" | "maxHandlerMs">): DecisionRunner {
  const pending = new Map<string, Deciding>();
  return {
    run(plan, report, waitUntil, trace) {
      const copyOf = pending.get(plan.key);
      if (copyOf !== undefined) {
        if (copyOf.plan.digest !== plan.digest) return plan.reused();
        const { sent } = copyOf;
        if (sent !== undefined) {
          trace?.note("duplicate");
          return answer(plan, sent);
        }
        return copyOf.whenSent().then((result) => {
          trace?.note("duplicate");
          return answer(plan, result);
        });
      }
      return new Deciding(engine, pending, plan, report, waitUntil, trace).start();
    },
  };
}

const answer = (plan: DecisionPlan, sent: Sent): WebhookResponse | Plan =>
  "reused" in sent ? plan.reused() : { status: plan.status, headers: plan.headers, body: sent.body };

/**
 * One delivery deciding its plan. The answer goes out at the first of: a recorded decision, a recorded decision
 * found in the store, a failure, or the deadline. Each step goes on at once when what it called answered at once,
 * and from the promise's settling when it did not.
 */
class Deciding {
  /** What was sent (once). */
  sent: Sent | undefined = undefined;
  private readonly fallback: Decided;
  /** Whether the delivery waits on something: it is among the pending, its deadline started. */
  private waiting = false;
  private ended = false;
  private deadline: ReturnType<typeof setTimeout> | undefined = undefined;
  private grace: ReturnType<typeof setTimeout> | undefined = undefined;
  /** This delivery's claim while its handler runs, and whether its decision is being committed. */
  private running: Claim | undefined = undefined;
  private committing = false;
  private recordedAtDeadline = false;
  private stopRenewing: (() => void) | undefined = undefined;
  /** The claim's last answer told to telemetry (once per change, not per poll). */
  private told: string | undefined = undefined;
  /** The answer's promise, made when a step waits. */
  private resolveAnswer: ((answer: WebhookResponse | Plan) => void) | undefined = undefined;
  private rejectAnswer: ((error: unknown) => void) | undefined = undefined;
  /**
   * Copies in this process waiting for what is sent: a promise each, made in the copy's own request (a Worker
   * does not resume a request's continuation on a promise another request made and then ended).
   */
  private copies: ((sent: Sent) => void)[] | undefined = undefined;
  /** Handed to waitUntil (once) when work goes on after the answer; settles when deciding ends. */
  private kept = false;
  private resolveEnded: (() => void) | undefined = undefined;

  constructor(
    private readonly engine: Pick<ResolvedEngineOptions<unknown>, "store" | "maxHandlerMs">,
    private readonly pending: Map<string, Deciding>,
    readonly plan: DecisionPlan,
    private readonly report: (error: unknown) => void,
    private readonly waitUntil: ((promise: Promise<unknown>) => void) | undefined,
    private readonly trace: DeliveryTrace | undefined,
  ) {
    this.fallback = { body: plan.fallback, reason: "fallback" };
  }

  start(): MaybePromise<WebhookResponse | Plan> {
    this.claim();
    if (this.sent !== undefined) return answer(this.plan, this.sent);
    this.wait(); // (already waiting: only a step that waits leaves nothing sent)
    return new Promise((resolve, reject) => {
      this.resolveAnswer = resolve;
      this.rejectAnswer = reject;
    });
  }

  /** For a copy of this delivery (while nothing is sent yet): what it sends. */
  whenSent(): Promise<Sent> {
    return new Promise((resolve) => (this.copies ??= []).push(resolve));
  }

  /**
   * A step is about to wait: copies in this process wait for this delivery from now on, and the deadline runs
   * (unless the answer already went out). While every step answers at once no copy can arrive, except from a
   * handler that itself handles a delivery of the same id synchronously: that one finds the claim taken and polls
   * the store.
   */
  private wait(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.pending.set(this.plan.key, this);
    if (this.sent === undefined) this.deadline = setTimeout(atDeadline, timerDelay(this.plan.deadlineAt), this);
  }

  /** Sends `result` (once); `outcome` is how it came about, for telemetry. */
  private finish(result: Sent, outcome: DeliveryOutcome, errorType?: string): void {
    if (this.sent !== undefined) return;
    this.sent = result;
    this.trace?.note(outcome, errorType);
    this.clearTimers();
    const { copies } = this;
    if (copies !== undefined) for (const resolve of copies) resolve(result);
    const { resolveAnswer } = this;
    if (resolveAnswer === undefined) return;
    let sent: WebhookResponse | Plan;
    try {
      sent = answer(this.plan, result);
    } catch (error) {
      this.rejectAnswer!(error); // (the engine answers 500)
      return;
    }
    resolveAnswer(sent);
  }

  private clearTimers(): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    if (this.grace !== undefined) clearTimeout(this.grace);
    this.deadline = this.grace = undefined;
  }

  /** The delivery's work (a handler, a claim being polled) goes on after the answer; `also` is a chain of its own. */
  private outlivesAnswer(also?: Promise<unknown>): void {
    const { waitUntil } = this;
    if (waitUntil === undefined) return;
    // Asked only when needed: asking a runtime for its waitUntil can cost (Hono on Node throws to say there is none).
    if (!this.kept && !this.ended) {
      this.kept = true;
      waitUntil(new Promise<void>((resolve) => (this.resolveEnded = resolve)));
    }
    if (also !== undefined) waitUntil(also);
  }

  /** Deciding is over (the answer may have gone out long before). */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    this.stopRenewing?.();
    if (this.pending.get(this.plan.key) === this) this.pending.delete(this.plan.key);
    this.resolveEnded?.();
  }

  /** The store failed: the fallback goes out. */
  private fail(error: unknown): void {
    this.finish(this.fallback, "failed", "STORE_UNAVAILABLE");
    this.report(error);
    this.end();
  }

  passDeadline(): void {
    if (this.sent !== undefined) return;
    this.trace?.deadlinePassed();
    this.finish(this.fallback, "timeout", "DECISION_DEADLINE");
    this.report(new Error(`No decision for ${this.plan.key} within its deadline: answered the fallback.`));
    this.outlivesAnswer();
    const claim = this.running;
    if (claim === undefined) return;
    if (claim.completeInstead !== undefined) {
      // A transactional store records the fallback in place of the handler's work, inside the transaction
      // that holds the event: no other delivery can decide meanwhile, and nothing the late handler writes
      // commits against the fallback that was sent.
      // If that commit fails, the key is free again: the fallback is recorded on a fresh claim, as below.
      this.recordedAtDeadline = true;
      // Its own chain, not part of deciding (which ends when the late handler does): kept alive by itself too.
      this.outlivesAnswer(
        Promise.resolve(this.record(claim, this.fallback)).then((recorded) => {
          if (!recorded) return this.recordAfresh(this.fallback);
        }),
      );
    } else if (this.stopRenewing === undefined) {
      // The handler keeps the claim, renewed, until it settles; then the fallback it was overtaken by is recorded.
      // Renewed at once too: a claim not renewed until now (lease longer than the deadline) must not lapse
      // before keepClaimed's first renewal, one period from now.
      try {
        void Promise.resolve(claim.renew()).then(undefined, this.report);
      } catch (error) {
        this.report(error);
      }
      this.stopRenewing = keepClaimed(claim, { maxHandlerMs: this.engine.maxHandlerMs, report: this.report });
    }
  }

  /** Claims the key, or waits for the delivery that holds it (maybe on another instance), until the deadline. */
  private claim(): void {
    if (this.sent !== undefined) return this.end(); // the deadline passed while another delivery held the decision
    const { plan } = this;
    let claimed: MaybePromise<ClaimResult>;
    let waits: boolean;
    try {
      claimed = this.engine.store.claim(plan.key, { type: plan.type, digest: plan.digest });
      waits = isPromiseLike(claimed);
    } catch (error) {
      return this.fail(error);
    }
    if (!waits) return this.claimed(claimed as ClaimResult);
    this.wait();
    Promise.resolve(claimed).then(
      (result) => this.claimed(result),
      (error: unknown) => this.fail(error),
    );
  }

  private claimed(claimed: ClaimResult): void {
    try {
      const { plan, trace } = this;
      if (trace !== undefined && claimed.status !== this.told) trace.claimed((this.told = claimed.status));
      if (claimed.status === "claimed") return this.decide(claimed.claim);
      if (claimed.status === "completed") {
        if (claimed.digest !== null && claimed.digest !== plan.digest) this.finish({ reused: true }, "duplicate");
        else this.finish({ body: claimed.result ?? plan.fallback, reason: "decided" }, "duplicate");
        return this.end();
      }
      this.wait();
      setTimeout(claimAgain, POLL_MS, this);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Polls the store again (a claim held elsewhere). */
  claimAgain(): void {
    this.claim();
  }

  /** Runs the handler on the claim this delivery holds. */
  private decide(claim: Claim): void {
    const { plan, trace } = this;
    if (this.sent !== undefined || monotonicNow() >= plan.deadlineAt) {
      // The deadline passed while claiming (or before the request got here): the handler must not run.
      this.finish(this.fallback, "timeout", "DECISION_DEADLINE");
      this.outlivesAnswer();
      const recorded = this.record(claim, this.fallback);
      if (!isPromiseLike(recorded)) return this.end();
      this.wait();
      void recorded.then(() => this.end());
      return;
    }
    this.running = claim;
    // A lease shorter than the time left must be renewed while the handler runs.
    if (claim.renewEveryMs !== undefined && claim.renewEveryMs * 3 <= plan.deadlineAt - monotonicNow()) {
      this.stopRenewing = keepClaimed(claim, { maxHandlerMs: this.engine.maxHandlerMs, report: this.report });
    }
    let value: unknown;
    let waits: boolean;
    try {
      trace?.handlerStarted();
      value = trace === undefined ? plan.run(claim.transaction) : trace.within(() => plan.run(claim.transaction));
      waits = isPromiseLike(value); // (a `then` getter may throw: the handler's failure)
    } catch (error) {
      return this.settled(claim, error, true);
    }
    if (!waits) return this.settled(claim, value, false);
    this.wait();
    Promise.resolve(value).then(
      (result) => this.settled(claim, result, false),
      (error: unknown) => this.settled(claim, error, true),
    );
  }

  /** The handler settled with `value` (its error when it `failed`): its decision is recorded, then sent. */
  private settled(claim: Claim, value: unknown, failed: boolean): void {
    const { plan, trace } = this;
    let decided = this.fallback;
    if (failed) this.report(value);
    else {
      try {
        const body = plan.body(value);
        if (body === undefined) this.report(new Error(`The handler for ${plan.key} returned no valid decision: answered the fallback.`));
        else decided = { body, reason: "decided" };
      } catch (bodyError) {
        this.report(bodyError);
      }
    }
    try {
      trace?.handlerSettled();
      this.running = undefined;
      if (this.recordedAtDeadline) return this.end();
      // Late: the fallback went out; the decision the handler came back with is ignored and the fallback recorded.
      if (this.sent !== undefined) decided = this.fallback;
      // Recorded (committed) first, then sent: never an answer whose record may still fail.
      this.committing = true;
      const recorded = this.record(claim, decided);
      if (!isPromiseLike(recorded)) return this.recorded(decided, recorded);
      this.wait();
      recorded.then(
        (ok) => this.recorded(decided, ok),
        (failure: unknown) => this.fail(failure),
      );
    } catch (failure) {
      this.fail(failure);
    }
  }

  private recorded(decided: Decided, recorded: boolean): void {
    try {
      this.committing = false;
      const already = this.sent; // set by the deadline meanwhile, perhaps
      if (already === undefined) {
        if (!recorded) this.finish(this.fallback, "failed", "STORE_UNAVAILABLE");
        else if (decided === this.fallback) this.finish(this.fallback, "failed", "HANDLER_FAILED");
        else this.finish(decided, "handled");
      }
      if (!recorded) {
        // The handler's work did not commit (e.g. a deferred constraint failed) and the fallback went out:
        // record that on a fresh claim, so a repeat gets what was sent rather than running the handler again.
        this.outlivesAnswer();
        this.wait();
        void this.recordAfresh(this.fallback).then(() => this.end());
        return;
      }
      if (already !== undefined && "body" in already && already.body !== decided.body) {
        this.report(new Error(`The decision for ${this.plan.key} was committed after the deadline's grace: a repeat gets it, not the fallback sent.`));
      }
      this.end();
    } catch (failure) {
      this.fail(failure);
    }
  }

  /**
   * Records a decision on a claim this delivery owns; true when it is recorded. Never throws or rejects. A
   * fallback is recorded in place of the handler's work where the store can discard it (a transaction's rollback).
   */
  private record(claim: Claim, decided: Decided): MaybePromise<boolean> {
    let recorded: MaybePromise<boolean>;
    let waits: boolean;
    try {
      const info = { outcome: this.plan.outcome(decided.body, decided.reason), result: decided.body };
      recorded = decided.reason === "fallback" && claim.completeInstead ? claim.completeInstead(info) : claim.complete(info);
      waits = isPromiseLike(recorded);
    } catch (error) {
      this.report(error);
      return false;
    }
    if (!waits) return this.lapsedUnless(recorded as boolean);
    return Promise.resolve(recorded).then(
      (ok) => this.lapsedUnless(ok),
      (error: unknown) => {
        this.report(error);
        return false;
      },
    );
  }

  private lapsedUnless(recorded: boolean): boolean {
    if (recorded) return true;
    this.report(new Error(`The claim on ${this.plan.key} lapsed before its decision was recorded.`));
    return false;
  }

  /** Records `decided` on a new claim, when the key is free (its earlier claim's transaction rolled back). */
  private async recordAfresh(decided: Decided): Promise<void> {
    const { plan } = this;
    try {
      const claimed = await this.engine.store.claim(plan.key, { type: plan.type, digest: plan.digest });
      if (claimed.status === "claimed") await this.record(claimed.claim, decided);
    } catch (error) {
      this.report(error);
    }
  }

  /** The deadline fell due: the fallback goes out, unless the decision is being committed right now. */
  deadlineDue(): void {
    if (!this.committing) return this.passDeadline();
    // What it commits is what must go out.
    this.grace = setTimeout(afterGrace, COMMIT_GRACE_MS, this);
  }
}

// Timer callbacks that take the delivery as their argument: no closure per delivery.
function atDeadline(deciding: Deciding): void {
  deciding.deadlineDue();
}
function afterGrace(deciding: Deciding): void {
  deciding.passDeadline();
}
function claimAgain(deciding: Deciding): void {
  deciding.claimAgain();
}
