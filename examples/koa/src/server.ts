import Koa, { type Context } from "koa";
import { fulfilSiglumePayment, memoryOrderStore, siglumeCheckoutMiddleware, siglumeMiddleware } from "@siglume-middleware/koa";
import { checkoutSettings } from "../../shared/checkout-settings.js";
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";

const webhookSecret = webhookSecretOrDemo("koa");
const allowMeteredPayments = process.env.SIGLUME_ALLOW_METERED === "1";
const port = Number(process.env.PORT ?? 3000);
const checkout = checkoutSettings("koa", `http://127.0.0.1:${port}`);
// Your review record: payments not applied to an order (to look at, and refund), and events to check.
const reviews: { eventId: string; reason: string }[] = [];
// Your order database; the demo's orders belong to the shopper "demo-shopper".
const orders = memoryOrderStore<Context>({
  orders: [
    { id: "ord_standard", amount_minor: 1200, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
    { id: "ord_micro", amount_minor: 300, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
  ],
  owns: (order, ctx) => order.owner === ctx.state.shopper,
});

const app = new Koa();
// First in the chain, before any body parser.
app.use(
  siglumeMiddleware<boolean>({
    webhookSecret,
    allowMeteredPayments,
    async onDirectPaymentConfirmed(payment, ctx) {
      if (payment.kind === "metered_batch_settled") return; // names no order: reconcile from statements
      const result = await fulfilSiglumePayment(orders, payment, ctx);
      if (result.status === "paid") return console.log(`[koa] order ${result.orderId} is paid (${result.orderStatus})`);
      if (result.status === "already_paid") return;
      // Not applied, never fulfilled: a mismatch, or (unknown_challenge_hash) no checkout of this shop at all.
      reviews.push({ eventId: payment.event.id, reason: result.reason });
      console.log(`[koa] review: event ${payment.event.id} (${result.reason})`);
    },
    async onReview(review) {
      reviews.push({ eventId: review.event.id, reason: review.reason });
      console.log(`[koa] review: event ${review.event.id} (${review.reason})`);
    },
  }),
);
// Stand-in for your session middleware.
app.use(async (ctx, next) => {
  ctx.state.shopper = ctx.get("x-demo-shopper");
  await next();
});
// After the session: POST /checkout/siglume/start {"order_id": "…"} (it reads the JSON body itself here).
app.use(
  siglumeCheckoutMiddleware({ ...checkout, orders, allowMeteredPayments }),
);
app.use(async (ctx) => {
  if (ctx.path === "/reviews") ctx.body = reviews;
  else if (ctx.path.startsWith("/orders/")) ctx.body = orders.get(ctx.path.slice("/orders/".length)) ?? "null";
});

app.listen(port, "127.0.0.1", () => console.log(`[koa] listening on http://127.0.0.1:${port}/webhooks/siglume`));
