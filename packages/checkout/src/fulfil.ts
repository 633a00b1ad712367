import { isDigits, type MeteredUsageAccepted, type StandardSettled } from "@siglume-middleware/core";
import { PAID_ORDER_STATUSES, type PaymentContext, type SiglumePaymentOrders } from "./orders/contract.js";

/** Why a confirmed payment was not applied to an order. Route these to your review record, never to fulfilment. */
export type PaymentMismatchReason =
  /** No checkout attempt of ours created a session with this challenge_hash. */
  | "unknown_challenge_hash"
  /** The payment is for another merchant key than the session was created for. */
  | "merchant_mismatch"
  /** The amount paid differs from the session's (or the order changed after checkout started). */
  | "amount_mismatch"
  | "currency_mismatch"
  /** The order was already paid through another attempt: a second payment, to refund. */
  | "order_already_paid"
  /** This checkout's session was already paid by another payment (another requirement_id): a second charge, to refund. */
  | "duplicate_payment";

/**
 * What `fulfilCheckoutPayment` did with a confirmed payment: marked the order paid, found it paid before, or found a
 * mismatch (amount, currency, merchant, order or attempt) that must be reviewed rather than fulfilled.
 */
export type FulfilmentResult =
  | { status: "paid"; orderId: string; orderStatus: "paid" | "fulfilled_unsettled" }
  | { status: "already_paid"; orderId: string }
  | { status: "mismatch"; reason: PaymentMismatchReason; orderId: string | null; detail: string };

/** Amounts arrive as numbers or decimal strings; anything else compares unequal. */
function minorUnits(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : null;
  if (typeof value === "string" && isDigits(value)) return Number(value);
  return null;
}

/**
 * Applies a confirmed payment to the order its checkout created, once: finds the attempt by
 * challenge_hash, checks merchant, amount and currency against what the session was created for (and
 * the order's current amount), then marks the order paid (`standard_settled`) or fulfilled but unsettled
 * (`metered_usage_accepted`, only reached with allowMeteredPayments). Pass the webhook's ctx: a store with
 * a transaction (the PostgreSQL one) then writes in the same transaction as the event record.
 *
 * `paid`: fulfil the order now. `already_paid`: a repeat of a payment already applied (the same
 * requirement_id); nothing to do. `mismatch`: do not fulfil; record it for review (the reason says why).
 */
export async function fulfilSiglumePayment(
  orders: SiglumePaymentOrders,
  payment: StandardSettled | MeteredUsageAccepted,
  ctx?: PaymentContext,
): Promise<FulfilmentResult> {
  const target = await orders.findOrderByChallengeHash(payment.challenge_hash, ctx);
  const mismatch = (reason: PaymentMismatchReason, detail: string): FulfilmentResult => ({
    status: "mismatch",
    reason,
    orderId: target?.order.id ?? null,
    detail,
  });
  if (!target) return mismatch("unknown_challenge_hash", "no checkout attempt created a session with this challenge_hash");

  const { data } = payment;
  if (data.merchant !== target.merchant) {
    return mismatch("merchant_mismatch", `paid to merchant ${JSON.stringify(data.merchant ?? null)}, session was for ${JSON.stringify(target.merchant)}`);
  }
  if (data.currency !== target.currency || target.order.currency !== target.currency) {
    return mismatch("currency_mismatch", `paid in ${JSON.stringify(data.currency ?? null)}, order is in ${JSON.stringify(target.order.currency)}`);
  }
  const paidMinor = minorUnits(data.amount_minor);
  if (paidMinor !== target.amount_minor || target.order.amount_minor !== target.amount_minor) {
    return mismatch("amount_mismatch", `paid ${paidMinor ?? "an unreadable amount"}, session for ${target.amount_minor}, order now ${target.order.amount_minor}`);
  }
  const repeat: FulfilmentResult = { status: "already_paid", orderId: target.order.id };
  const secondCharge = () =>
    mismatch("duplicate_payment", `this checkout was already paid by requirement ${target.paidRequirementId ?? "(another)"}; this is a second charge (${payment.requirement_id})`);
  const secondPayment = () => mismatch("order_already_paid", "the order was already paid through another checkout attempt");
  if (PAID_ORDER_STATUSES.has(target.attemptStatus) && target.paidRequirementId !== undefined) {
    return target.paidRequirementId === payment.requirement_id ? repeat : secondCharge();
  }
  if (!PAID_ORDER_STATUSES.has(target.attemptStatus) && PAID_ORDER_STATUSES.has(target.order.status)) return secondPayment();

  // The store decides atomically: two payments arriving together pay the order once.
  const orderStatus = payment.kind === "standard_settled" ? "paid" : "fulfilled_unsettled";
  const outcome = await orders.markPaid(
    target,
    {
      status: orderStatus,
      requirement_id: payment.requirement_id,
      chain_receipt_id: payment.kind === "standard_settled" ? payment.chain_receipt_id : null,
      event_id: payment.event.id,
    },
    ctx,
  );
  if (outcome === "paid") return { status: "paid", orderId: target.order.id, orderStatus };
  if (outcome === "duplicate_payment") return secondCharge();
  if (outcome === "order_already_paid") return secondPayment();
  if (outcome === "amount_changed") {
    return mismatch("amount_mismatch", `the order's amount changed while this payment of ${paidMinor} was being applied`);
  }
  return repeat;
}
