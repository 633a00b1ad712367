import { classifyDirectPaymentConfirmation, type DirectPaymentConfirmation } from "../classify/classify.js";
import type { DirectPaymentSpentEvent, SiglumeEvent } from "../event/types.js";
import { DIRECT_PAYMENT_CONFIRMED, DIRECT_PAYMENT_SPENT } from "../event/types.js";
import type { SiglumeContext, SiglumeHandlers, SiglumeReview } from "./types.js";

/** One verified event's destination: exactly one handler, and a label for the store's record. */
export interface Route<TRequest> {
  outcome: string;
  /** The classifier's result, kept for a review record. */
  confirmation: DirectPaymentConfirmation;
  run(ctx: SiglumeContext<TRequest>): unknown;
}

/**
 * Decides which handler an event goes to. Every event reaches exactly one
 * handler; whatever has no specific handler goes to onReview, so nothing is
 * acknowledged without a record.
 */
export function routeEvent<TRequest>(
  event: SiglumeEvent,
  handlers: SiglumeHandlers<boolean, TRequest>,
  allowMeteredPayments: boolean,
): Route<TRequest> {
  const confirmation = classifyDirectPaymentConfirmation(event);

  if (event.type === DIRECT_PAYMENT_CONFIRMED) {
    switch (confirmation.kind) {
      case "standard_settled":
        return { outcome: confirmation.kind, confirmation, run: (ctx) => handlers.onDirectPaymentConfirmed(confirmation, ctx) };
      case "metered_usage_accepted":
      case "metered_batch_settled":
        if (!allowMeteredPayments) return reviewRoute(handlers, { event, reason: "metered_integration_required", confirmation });
        return { outcome: confirmation.kind, confirmation, run: (ctx) => handlers.onDirectPaymentConfirmed(confirmation, ctx) };
      default:
        return reviewRoute(handlers, { event, reason: confirmation.reason, confirmation });
    }
  }

  const { onDirectPaymentSpent, onEvent } = handlers;
  if (event.type === DIRECT_PAYMENT_SPENT && onDirectPaymentSpent) {
    return { outcome: "spent", confirmation, run: (ctx) => onDirectPaymentSpent(event as DirectPaymentSpentEvent, ctx) };
  }
  if (onEvent) {
    return { outcome: `event:${event.type}`, confirmation, run: (ctx) => onEvent(event, ctx) };
  }
  return reviewRoute(handlers, { event, reason: "not_direct_payment_confirmed", confirmation });
}

/**
 * The route that sends an event to `onReview` with `review` (its reason and the classifier's result), recorded as
 * `review:<reason>` so a redelivery is not reviewed twice.
 */
export function reviewRoute<TRequest>(handlers: SiglumeHandlers<boolean, TRequest>, review: SiglumeReview): Route<TRequest> {
  return { outcome: `review:${review.reason}`, confirmation: review.confirmation, run: (ctx) => handlers.onReview(review, ctx) };
}
