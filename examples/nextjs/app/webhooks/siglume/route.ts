// POST /webhooks/siglume: where this file sits is the path Siglume posts to (the handler's default path).
import { fulfilSiglumePayment, siglumeFetchHandler } from "@siglume-middleware/web";
import { allowMeteredPayments, webhookSecret } from "../../../lib/settings";
import { orders, reviews } from "../../../lib/shop";

export const POST = siglumeFetchHandler<boolean>({
  webhookSecret,
  allowMeteredPayments,
  async onDirectPaymentConfirmed(payment, ctx) {
    if (payment.kind === "metered_batch_settled") return; // names no order: reconcile from statements
    // Applied once to the order whose checkout created the session, checked against it.
    const result = await fulfilSiglumePayment(orders, payment, ctx);
    if (result.status === "paid") {
      const how = result.orderStatus === "paid" ? "settled" : "usage accepted, settlement pending";
      return console.log(`[nextjs] order ${result.orderId} is paid (${how})`);
    }
    if (result.status === "already_paid") return;
    // Not applied, never fulfilled: a mismatch, or (unknown_challenge_hash) no checkout of this shop at all.
    reviews.push({ eventId: payment.event.id, reason: result.reason });
    console.log(`[nextjs] review: event ${payment.event.id} (${result.reason})`);
  },
  async onReview(review) {
    reviews.push({ eventId: review.event.id, reason: review.reason });
    console.log(`[nextjs] review: event ${review.event.id} (${review.reason})`);
  },
});
