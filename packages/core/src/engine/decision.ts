import { performance } from "node:perf_hooks";
import type { WebhookResponse } from "../http/response.js";
import type { Claim } from "../idempotency/store.js";
import { keepClaimed } from "./exactly-once.js";
import type { ResolvedEngineOptions } from "./options.js";
import type { DecisionPlan, Plan } from "./provider.js";

/** How often a copy on another instance asks the shared store whether the decision was recorded. */
const POLL_MS = 40;

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === "function";

/** A decision being made in this process: copies with the same body wait for what it sends. */
interface Pending {
  digest: string;
  sent: Promise<string>;
}

export interface DecisionRunner {
  run(plan: DecisionPlan, report: (error: unknown) => void): Promise<WebhookResponse | Plan>;
}

/**
 * Runs decision plans (see DecisionPlan): the answer is written by the
 * deadline whatever the handler, the store or the network do, the handler
 * runs once per key, and what was sent is what is recorded and replayed.
 */
export function decisionRunner(engine: Pick<ResolvedEngineOptions<unknown>, "store" | "maxHandlerMs">): DecisionRunner {
  const pending = new Map<string, Pending>();

  function respond(plan: DecisionPlan, body: string): WebhookResponse {
    return { status: plan.status, headers: plan.headers, body };
  }

  async function run(plan: DecisionPlan, report: (error: unknown) => void): Promise<WebhookResponse | Plan> {
    const copyOf = pending.get(plan.key);
    if (copyOf !== undefined) {
      if (copyOf.digest !== plan.digest) return plan.reused();
      return respond(plan, await copyOf.sent);
    }

    // This delivery decides (or finds the decision in the store). The answer goes out at the first of:
    // a decision, a recorded decision, a failure, or the deadline.
    let sentBody: string | undefined;
    let reusedPlan: Plan | undefined;
    let resolveSent!: (body: string) => void;
    const sent = new Promise<string>((resolve) => (resolveSent = resolve));
    const send = (body: string): string => {
      if (sentBody === undefined) {
        sentBody = body;
        clearTimeout(deadline);
        resolveSent(body);
      }
      return sentBody;
    };
    // The claim while this delivery's handler runs: at the deadline it is abandoned (a transactional
    // store closes the transaction, so nothing the late handler writes commits against the sent fallback).
    let running: Claim | undefined;
    const deadline = setTimeout(() => {
      if (sentBody !== undefined) return;
      report(new Error(`No decision for ${plan.key} within its deadline: answered the fallback.`));
      send(plan.fallback);
      running?.abandon?.();
    }, Math.max(0, plan.deadlineAt - performance.now()));
    const entry: Pending = { digest: plan.digest, sent };
    pending.set(plan.key, entry);

    const decide = async (): Promise<void> => {
      // Until the deadline: claim, or wait for the delivery that holds the claim (maybe on another instance).
      let claim: Claim | undefined;
      while (sentBody === undefined) {
        const claimed = await engine.store.claim(plan.key, { type: plan.type, digest: plan.digest });
        if (claimed.status === "claimed") {
          claim = claimed.claim;
          break;
        }
        if (claimed.status === "completed") {
          if (claimed.digest !== null && claimed.digest !== plan.digest) {
            reusedPlan = plan.reused();
            send("");
            return;
          }
          send(claimed.result ?? plan.fallback);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      if (claim === undefined) return; // the deadline passed while another delivery held the decision

      running = claim;
      const stopRenewing = keepClaimed(claim, { maxHandlerMs: engine.maxHandlerMs, report });
      let reason: "decided" | "fallback" = "fallback";
      try {
        const value = plan.run(claim.transaction);
        const result = isPromiseLike(value) ? await value : value;
        const body = plan.body(result);
        if (body === undefined) report(new Error(`The handler for ${plan.key} returned no valid decision: answered the fallback.`));
        else if (sentBody === undefined) reason = "decided";
        send(body ?? plan.fallback);
      } catch (error) {
        report(error);
        send(plan.fallback);
      } finally {
        stopRenewing();
        running = undefined;
      }
      // What was sent is what is recorded, so a repeat gets the same answer.
      const recorded = sentBody!;
      await claim.complete({ outcome: plan.outcome(recorded, reason), result: recorded }).then(
        (owned) => owned || report(new Error(`The claim on ${plan.key} lapsed before its decision was recorded.`)),
        report,
      );
    };

    void decide()
      .catch((error: unknown) => {
        report(error);
        send(plan.fallback);
      })
      .finally(() => {
        if (pending.get(plan.key) === entry) pending.delete(plan.key);
      });

    const body = await sent;
    return reusedPlan ?? respond(plan, body);
  }

  return { run };
}
