import express from "express";
import { siglumeRouter, type StandardSettled } from "@siglume-middleware/express";

/** The example app, apart from listen(), so tests can drive it with supertest. */
export function createApp(webhookSecret: string) {
  const paidOrders = new Map<string, StandardSettled>();
  const reviews: { eventId: string; reason: string }[] = [];
  const app = express();

  // Mounted before express.json(): the router reads the raw bytes it must verify.
  app.use(
    siglumeRouter({
      webhookSecret,
      async onDirectPaymentConfirmed(payment) {
        // Standard only (allowMeteredPayments is off): settled on-chain, safe to fulfil.
        paidOrders.set(payment.challenge_hash, payment);
        console.log(`[express] paid: order ${payment.challenge_hash} (receipt ${payment.chain_receipt_id})`);
      },
      async onReview(review) {
        reviews.push({ eventId: review.event.id, reason: review.reason });
        console.log(`[express] review: event ${review.event.id} (${review.reason})`);
      },
    }),
  );
  app.use(express.json());
  app.get("/orders", (_req, res) => res.json({ paid: [...paidOrders.keys()] }));

  return { app, paidOrders, reviews };
}
