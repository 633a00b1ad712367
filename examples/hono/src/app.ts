import { Hono, type Context } from "hono";
import { html } from "hono/html";
import {
  fulfilSiglumePayment,
  memoryOrderStore,
  siglumeCheckoutMiddleware,
  siglumeMiddleware,
} from "@siglume-middleware/hono";
import { checkoutSettings } from "../../shared/checkout-settings.js";

/** The example app, apart from its server (src/server.ts picks Node's, Bun's or Deno's), so tests can call app.request(). */
export function createApp(webhookSecret: string, { allowMeteredPayments = false, publicOrigin = "http://127.0.0.1:3000" } = {}) {
  // Your review record: payments not applied to an order (to look at, and refund), and events to check.
  const reviews: { eventId: string; reason: string }[] = [];
  // Your order database; the demo's orders belong to the shopper "demo-shopper".
  const orders = memoryOrderStore<Context>({
    orders: [
      { id: "ord_standard", amount_minor: 1200, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
      { id: "ord_micro", amount_minor: 300, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
    ],
    owns: (order, c) => order.owner === c.req.header("x-demo-shopper"), // stand-in for your session
  });
  const app = new Hono();

  // First, before anything reads the body: the middleware verifies the raw bytes.
  app.use(
    siglumeMiddleware<boolean>({
      webhookSecret,
      allowMeteredPayments,
      async onDirectPaymentConfirmed(payment, ctx) {
        if (payment.kind === "metered_batch_settled") return; // names no order: reconcile from statements
        // Applied once to the order whose checkout created the session, checked against it.
        const result = await fulfilSiglumePayment(orders, payment, ctx);
        if (result.status === "paid") return console.log(`[hono] order ${result.orderId} is paid (${result.orderStatus})`);
        if (result.status === "already_paid") return;
        // Not applied, never fulfilled: a mismatch, or (unknown_challenge_hash) no checkout of this shop at all.
        reviews.push({ eventId: payment.event.id, reason: result.reason });
        console.log(`[hono] review: event ${payment.event.id} (${result.reason})`);
      },
      async onReview(review) {
        reviews.push({ eventId: review.event.id, reason: review.reason });
        console.log(`[hono] review: event ${review.event.id} (${review.reason})`);
      },
    }),
  );
  // POST /checkout/siglume/start {"order_id": "…"} (it reads the JSON body itself).
  app.use(siglumeCheckoutMiddleware({ ...checkoutSettings("hono", publicOrigin), orders, allowMeteredPayments }));
  app.get("/orders/:id", (c) => c.json(orders.get(c.req.param("id")) ?? null));
  app.get("/reviews", (c) => c.json(reviews));
  app.get("/checkout/siglume/success", (c) => c.html(html`<h1>Thank you</h1><p>order ${c.req.query("order_id")}</p>`));

  return { app, reviews, orders };
}
