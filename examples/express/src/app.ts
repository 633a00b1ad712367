import express from "express";
import {
  fulfilSiglumePayment,
  memoryOrderStore,
  siglumeCheckoutRouter,
  siglumeRouter,
} from "@siglume-middleware/express";
import { DEMO_ORDERS, checkoutSettings } from "./checkout-settings.js";

/** The example app, apart from listen(), so tests can drive it with supertest. */
export function createApp(webhookSecret: string, { allowMeteredPayments = false, publicOrigin = "http://127.0.0.1:3000" } = {}) {
  // Your review record: payments not applied to an order (to look at, and refund), and events to check.
  const reviews: { eventId: string; reason: string }[] = [];
  // Your order database; the demo's orders belong to the shopper "demo-shopper".
  const orders = memoryOrderStore<express.Request>({
    orders: DEMO_ORDERS,
    owns: (order, req) => order.owner === (req as express.Request & { shopper?: string | undefined }).shopper,
  });
  const app = express();

  // Mounted before express.json(): the router reads the raw bytes it must verify.
  app.use(
    siglumeRouter<boolean>({
      webhookSecret,
      allowMeteredPayments,
      async onDirectPaymentConfirmed(payment, ctx) {
        if (payment.kind === "metered_batch_settled") return; // names no order: reconcile from statements
        // Applied once to the order whose checkout created the session, checked against it.
        const result = await fulfilSiglumePayment(orders, payment, ctx);
        if (result.status === "paid") {
          const how = result.orderStatus === "paid" ? "settled" : "usage accepted, settlement pending";
          return console.log(`[express] order ${result.orderId} is paid (${how})`);
        }
        if (result.status === "already_paid") return;
        // Not applied, never fulfilled: a mismatch, or (unknown_challenge_hash) no checkout of this shop at all.
        reviews.push({ eventId: payment.event.id, reason: result.reason });
        console.log(`[express] review: event ${payment.event.id} (${result.reason})`);
      },
      async onReview(review) {
        reviews.push({ eventId: review.event.id, reason: review.reason });
        console.log(`[express] review: event ${review.event.id} (${review.reason})`);
      },
    }),
  );
  // Stand-in for your session middleware: who is the shopper?
  app.use((req, _res, next) => {
    (req as express.Request & { shopper?: string | undefined }).shopper = req.get("x-demo-shopper");
    next();
  });
  app.use(express.json());
  // After the session and the body parser: POST /checkout/siglume/start {"order_id": "…"}.
  app.use(siglumeCheckoutRouter({ ...checkoutSettings("express", publicOrigin), orders, allowMeteredPayments }));
  app.get("/orders/:id", (req, res) => res.json(orders.get(req.params.id) ?? null));
  app.get("/reviews", (_req, res) => res.json(reviews));
  app.get("/checkout/siglume/success", (req, res) => res.type("html").send(`<h1>Thank you</h1><p>order ${String(req.query.order_id)}</p>`));

  return { app, reviews, orders };
}
