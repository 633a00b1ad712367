import { performance } from "node:perf_hooks";
import type { WebhookResponse } from "../http/response.js";
import type { Claim } from "../idempotency/store.js";
import { keepClaimed } from "./exactly-once.js";
import type { ResolvedEngineOptions } from "./options.js";
import type { DecisionPlan, Plan } from "./provider.js";

/** How often a copy on another instance asks the shared store whether the decision was recorded. */
const POLL_MS = 40;
/** How long, after a deadline closed a transactional claim, the sent fallback may take to be recorded. */
const RECORD_AFTER_ABANDON_MS = 10_000;

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === "function";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the deciding delivery ends with: the body sent, or "this id was reused with another body". */
type Sent = { body: string; reason: "decided" | "fallback" } | { reused: true };

/** A decision being made in this process: copies with the same body wait for what it sends. */
interface Pending {
  digest: string;
  sent: Promise<Sent>;
}

export interface DecisionRunner {
  run(plan: DecisionPlan, report: (error: unknown) => void): Promise<WebhookResponse | Plan>;
}

/**
 * Runs decision plans (see DecisionPlan): the answer is written by the
 * deadline whatever the handler, the store or the network do, the handler
 * runs once per key and never after the answer went out, and what was sent
 * is what is recorded and replayed.
 */
export function decisionRunner(engine: Pick<ResolvedEngineOptions<unknown>, "store" | "maxHandlerMs">): DecisionRunner {
  const pending = new Map<string, Pending>();
  const { store } = engine;

  const respond = (plan: DecisionPlan, body: string): WebhookResponse => ({ status: plan.status, headers: plan.headers, body });
  const answer = (plan: DecisionPlan, sent: Sent): WebhookResponse | Plan => ("reused" in sent ? plan.reused() : respond(plan, sent.body));

  /** Records the sent body on a claim this delivery owns, reporting (never throwing) what goes wrong. */
  async function record(plan: DecisionPlan, claim: Claim, sent: { body: string; reason: "decided" | "fallback" }, report: (error: unknown) => void) {
    try {
      if (!(await claim.complete({ outcome: plan.outcome(sent.body, sent.reason), result: sent.body }))) {
        report(new Error(`The claim on ${plan.key} lapsed before its decision was recorded.`));
      }
    } catch (error) {
      report(error);
    }
  }

  /**
   * A transactional claim closed at the deadline recorded nothing: record the fallback that was sent
   * under a claim of its own, without running the handler, so a repeat gets the same answer.
   */
  async function recordAbandoned(plan: DecisionPlan, sent: { body: string; reason: "fallback" }, report: (error: unknown) => void) {
    const until = performance.now() + RECORD_AFTER_ABANDON_MS;
    while (performance.now() < until) {
      const claimed = await store.claim(plan.key, { type: plan.type, digest: plan.digest });
      if (claimed.status === "completed") return;
      if (claimed.status === "claimed") return record(plan, claimed.claim, sent, report);
      await sleep(POLL_MS);
    }
    report(new Error(`The fallback sent for ${plan.key} could not be recorded within ${RECORD_AFTER_ABANDON_MS} ms.`));
  }

  async function run(plan: DecisionPlan, report: (error: unknown) => void): Promise<WebhookResponse | Plan> {
    const copyOf = pending.get(plan.key);
    if (copyOf !== undefined) {
      if (copyOf.digest !== plan.digest) return plan.reused();
      return answer(plan, await copyOf.sent);
    }

    // This delivery decides, or finds the decision in the store. The answer goes out at the first of: a
    // decision, a recorded decision, a failure, or the deadline.
    let sent: Sent | undefined;
    let resolveSent!: (sent: Sent) => void;
    const sentPromise = new Promise<Sent>((resolve) => (resolveSent = resolve));
    const finish = (result: Sent) => {
      if (sent !== undefined) return;
      sent = result;
      clearTimeout(deadline);
      resolveSent(result);
    };
    // The claim while this delivery's handler runs, and the renewal started only if it overruns the
    // deadline (a decision is due in under 2 s: well inside any lease).
    let running: Claim | undefined;
    let stopRenewing: (() => void) | undefined;
    let abandoned = false;
    const deadline = setTimeout(() => {
      if (sent !== undefined) return;
      report(new Error(`No decision for ${plan.key} within its deadline: answered the fallback.`));
      const fallback = { body: plan.fallback, reason: "fallback" as const };
      finish(fallback);
      if (running !== undefined && running.abandon === undefined) {
        stopRenewing = keepClaimed(running, { maxHandlerMs: engine.maxHandlerMs, report });
      }
      if (running?.abandon) {
        // A transactional store closes the transaction, so nothing the late handler writes commits against
        // the fallback that was sent; the fallback is then recorded under a claim of its own.
        abandoned = true;
        running.abandon();
        void recordAbandoned(plan, fallback, report).catch(report);
      }
    }, Math.max(0, plan.deadlineAt - performance.now()));
    const entry: Pending = { digest: plan.digest, sent: sentPromise };
    pending.set(plan.key, entry);

    const decide = async (): Promise<void> => {
      // Until the deadline: claim, or wait for the delivery that holds the claim (maybe on another instance).
      let claim: Claim | undefined;
      while (sent === undefined) {
        const claimed = await store.claim(plan.key, { type: plan.type, digest: plan.digest });
        if (claimed.status === "claimed") {
          if (sent !== undefined && !("reused" in sent)) {
            // The deadline passed while claiming: the fallback went out, so the handler must not run.
            return record(plan, claimed.claim, sent, report);
          }
          claim = claimed.claim;
          break;
        }
        if (claimed.status === "completed") {
          if (claimed.digest !== null && claimed.digest !== plan.digest) finish({ reused: true });
          else finish({ body: claimed.result ?? plan.fallback, reason: "decided" });
          return;
        }
        await sleep(POLL_MS);
      }
      if (claim === undefined) return; // the deadline passed while another delivery held the decision

      running = claim;
      try {
        const value = plan.run(claim.transaction);
        const body = plan.body(isPromiseLike(value) ? await value : value);
        if (body === undefined) report(new Error(`The handler for ${plan.key} returned no valid decision: answered the fallback.`));
        finish(body === undefined ? { body: plan.fallback, reason: "fallback" } : { body, reason: "decided" });
      } catch (error) {
        report(error);
        finish({ body: plan.fallback, reason: "fallback" });
      } finally {
        stopRenewing?.();
        running = undefined;
      }
      // What was sent is what is recorded (a late decision is ignored), so a repeat gets the same answer.
      if (!abandoned) await record(plan, claim, sent as { body: string; reason: "decided" | "fallback" }, report);
    };

    void decide()
      .catch((error: unknown) => {
        report(error);
        finish({ body: plan.fallback, reason: "fallback" });
      })
      .finally(() => {
        if (pending.get(plan.key) === entry) pending.delete(plan.key);
      });

    return answer(plan, await sentPromise);
  }

  return { run };
}
