import { isPromiseLike } from "./maybe.js";
import type { WebhookResponse } from "../http/response.js";
import type { Claim } from "../idempotency/store.js";
import { keepClaimed } from "./exactly-once.js";
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Decided {
  body: string;
  reason: "decided" | "fallback";
}

/** What the deciding delivery ends with: the body sent, or "this id was reused with another body". */
type Sent = Decided | { reused: true };

/** A decision being made in this process: copies with the same body wait for what it sends. */
interface Pending {
  digest: string;
  sent: Promise<Sent>;
}

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
  ): Promise<WebhookResponse | Plan>;
}

/**
 * Runs decision plans (see DecisionPlan): the answer is written by the
 * deadline whatever the handler, the store or the network do; the handler
 * runs once per key and never once the deadline has passed; a decision is
 * recorded (for a transactional store: committed with the handler's work)
 * before it is sent, and what is sent is what is recorded and replayed.
 */
export function decisionRunner(engine: Pick<ResolvedEngineOptions<unknown>, "store" | "maxHandlerMs">): DecisionRunner {
  const pending = new Map<string, Pending>();
  const { store } = engine;

  const respond = (plan: DecisionPlan, body: string): WebhookResponse => ({ status: plan.status, headers: plan.headers, body });
  const answer = (plan: DecisionPlan, sent: Sent): WebhookResponse | Plan => ("reused" in sent ? plan.reused() : respond(plan, sent.body));

  /**
   * Records a decision on a claim this delivery owns; true when it is recorded. Never throws. A fallback
   * is recorded in place of the handler's work where the store can discard it (a transaction's rollback).
   */
  async function record(plan: DecisionPlan, claim: Claim, decided: Decided, report: (error: unknown) => void): Promise<boolean> {
    const info = { outcome: plan.outcome(decided.body, decided.reason), result: decided.body };
    try {
      const recorded = decided.reason === "fallback" && claim.completeInstead ? claim.completeInstead(info) : claim.complete(info);
      if (await recorded) return true;
      report(new Error(`The claim on ${plan.key} lapsed before its decision was recorded.`));
    } catch (error) {
      report(error);
    }
    return false;
  }

  /** Records `decided` on a new claim, when the key is free (its earlier claim's transaction rolled back). */
  async function recordAfresh(plan: DecisionPlan, decided: Decided, report: (error: unknown) => void): Promise<void> {
    try {
      const claimed = await store.claim(plan.key, { type: plan.type, digest: plan.digest });
      if (claimed.status === "claimed") await record(plan, claimed.claim, decided, report);
    } catch (error) {
      report(error);
    }
  }

  async function run(
    plan: DecisionPlan,
    report: (error: unknown) => void,
    waitUntil?: ((promise: Promise<unknown>) => void) | undefined,
    trace?: DeliveryTrace | undefined,
  ): Promise<WebhookResponse | Plan> {
    const copyOf = pending.get(plan.key);
    if (copyOf !== undefined) {
      if (copyOf.digest !== plan.digest) return plan.reused();
      const sent = await copyOf.sent;
      trace?.note("duplicate");
      return answer(plan, sent);
    }

    const fallback: Decided = { body: plan.fallback, reason: "fallback" };
    // The answer goes out at the first of: a recorded decision, a recorded decision found in the store, a
    // failure, or the deadline.
    let sent: Sent | undefined;
    let resolveSent!: (sent: Sent) => void;
    const sentPromise = new Promise<Sent>((resolve) => (resolveSent = resolve));
    /** Sends `result` (once); `outcome` is how it came about, for telemetry. */
    const finish = (result: Sent, outcome: DeliveryOutcome, errorType?: string) => {
      if (sent !== undefined) return;
      sent = result;
      trace?.note(outcome, errorType);
      clearTimeout(deadline);
      clearTimeout(grace);
      resolveSent(result);
    };

    // This delivery's claim while its handler runs, and whether its decision is being committed.
    let running: Claim | undefined;
    let committing = false;
    let recordedAtDeadline = false;
    let stopRenewing: (() => void) | undefined;
    let grace: ReturnType<typeof setTimeout> | undefined;
    const passDeadline = () => {
      if (sent !== undefined) return;
      trace?.deadlinePassed();
      finish(fallback, "timeout", "DECISION_DEADLINE");
      report(new Error(`No decision for ${plan.key} within its deadline: answered the fallback.`));
      outlivesAnswer(); // the delivery's work (a handler, a claim being polled) goes on after the answer
      const claim = running;
      if (claim === undefined) return;
      if (claim.completeInstead !== undefined) {
        // A transactional store records the fallback in place of the handler's work, inside the transaction
        // that holds the event: no other delivery can decide meanwhile, and nothing the late handler writes
        // commits against the fallback that was sent.
        // If that commit fails, the key is free again: the fallback is recorded on a fresh claim, as below.
        recordedAtDeadline = true;
        // Its own chain, not part of deciding (which ends when the late handler does): kept alive by itself too.
        outlivesAnswer(
          record(plan, claim, fallback, report).then((recorded) => {
            if (!recorded) return recordAfresh(plan, fallback, report);
          }),
        );
      } else {
        // The handler keeps the claim, renewed, until it settles; then the fallback it was overtaken by is recorded.
        // Renewed at once too: a claim not renewed until now (lease longer than the deadline) must not lapse
        // before keepClaimed's first renewal, one period from now.
        if (stopRenewing === undefined) {
          try {
            void Promise.resolve(claim.renew()).then(undefined, report);
          } catch (error) {
            report(error);
          }
          stopRenewing = keepClaimed(claim, { maxHandlerMs: engine.maxHandlerMs, report });
        }
      }
    };
    const deadline = setTimeout(() => {
      if (!committing) return passDeadline();
      // The decision is being committed right now: what it commits is what must go out.
      grace = setTimeout(passDeadline, COMMIT_GRACE_MS);
    }, Math.max(0, plan.deadlineAt - performance.now()));
    const entry: Pending = { digest: plan.digest, sent: sentPromise };
    pending.set(plan.key, entry);

    const decide = async (): Promise<void> => {
      // Until the deadline: claim, or wait for the delivery that holds the claim (maybe on another instance).
      let claim: Claim | undefined;
      let told: string | undefined; // the claim's last answer told to telemetry (once per change, not per poll)
      while (sent === undefined) {
        const claimed = await store.claim(plan.key, { type: plan.type, digest: plan.digest });
        if (trace !== undefined && claimed.status !== told) trace.claimed((told = claimed.status));
        if (claimed.status === "claimed") {
          claim = claimed.claim;
          break;
        }
        if (claimed.status === "completed") {
          if (claimed.digest !== null && claimed.digest !== plan.digest) finish({ reused: true }, "duplicate");
          else finish({ body: claimed.result ?? plan.fallback, reason: "decided" }, "duplicate");
          return;
        }
        await sleep(POLL_MS);
      }
      if (claim === undefined) return; // the deadline passed while another delivery held the decision
      if (sent !== undefined || performance.now() >= plan.deadlineAt) {
        // The deadline passed while claiming (or before the request got here): the handler must not run.
        finish(fallback, "timeout", "DECISION_DEADLINE");
        outlivesAnswer();
        await record(plan, claim, fallback, report);
        return;
      }

      running = claim;
      // A lease shorter than the time left must be renewed while the handler runs.
      if (claim.renewEveryMs !== undefined && claim.renewEveryMs * 3 <= plan.deadlineAt - performance.now()) {
        stopRenewing = keepClaimed(claim, { maxHandlerMs: engine.maxHandlerMs, report });
      }
      let decided: Decided = fallback;
      try {
        trace?.handlerStarted();
        const value = trace === undefined ? plan.run(claim.transaction) : trace.within(() => plan.run(claim!.transaction));
        const body = plan.body(isPromiseLike(value) ? await value : value);
        if (body === undefined) report(new Error(`The handler for ${plan.key} returned no valid decision: answered the fallback.`));
        else decided = { body, reason: "decided" };
      } catch (error) {
        report(error);
      } finally {
        trace?.handlerSettled();
        running = undefined;
      }
      try {
        if (recordedAtDeadline) return;
        // Late: the fallback went out; the decision the handler came back with is ignored and the fallback recorded.
        if (sent !== undefined) decided = fallback;
        // Recorded (committed) first, then sent: never an answer whose record may still fail.
        committing = true;
        const recorded = await record(plan, claim, decided, report);
        committing = false;
        const already = sent as Sent | undefined; // set by the deadline meanwhile, perhaps
        if (already === undefined) {
          if (!recorded) finish(fallback, "failed", "STORE_UNAVAILABLE");
          else if (decided === fallback) finish(fallback, "failed", "HANDLER_FAILED");
          else finish(decided, "handled");
        }
        if (!recorded) {
          // The handler's work did not commit (e.g. a deferred constraint failed) and the fallback went out:
          // record that on a fresh claim, so a repeat gets what was sent rather than running the handler again.
          outlivesAnswer();
          await recordAfresh(plan, fallback, report);
        } else if (already !== undefined && "body" in already && already.body !== decided.body) {
          report(new Error(`The decision for ${plan.key} was committed after the deadline's grace: a repeat gets it, not the fallback sent.`));
        }
      } finally {
        stopRenewing?.();
      }
    };

    // Handed to waitUntil only when work goes on after the answer (past the deadline, or a record made afresh),
    // with `also` when that work is a chain of its own: asking a runtime for its waitUntil can cost (Hono on Node
    // throws an Error to say there is none).
    let deciding: Promise<void> | undefined;
    let kept = false;
    function outlivesAnswer(also?: Promise<unknown>): void {
      if (waitUntil === undefined) return;
      if (!kept && deciding !== undefined) {
        kept = true;
        waitUntil(deciding);
      }
      if (also !== undefined) waitUntil(also);
    }
    deciding = decide()
      .catch((error: unknown) => {
        finish(fallback, "failed", "STORE_UNAVAILABLE");
        report(error);
      })
      .finally(() => {
        if (pending.get(plan.key) === entry) pending.delete(plan.key);
      });

    return answer(plan, await sentPromise);
  }

  return { run };
}
