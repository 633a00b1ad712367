import Koa, { type Context } from "koa";
import { fulfilSiglumePayment, memoryOrderStore, siglumeCheckoutMiddleware, siglumeMiddleware } from "@siglume-middleware/koa";
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";

const webhookSecret = webhookSecretOrDemo("koa");
const allowMeteredPayments = process.env.SIGLUME_ALLOW_METERED === "1";
const port = Number(process.env.PORT ?? 3000);
const paidOrders = new Set<string>();
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
      if (result.status === "mismatch" && result.reason !== "unknown_challenge_hash") {
        return console.log(`[koa] review: event ${payment.event.id} (${result.reason})`);
      }
      if (result.status === "already_paid") return;
      // Not one of this app's checkouts (e.g. sent with `siglume-webhooks send`): fulfilled by challenge_hash.
      paidOrders.add(payment.challenge_hash);
      console.log(`[koa] paid: order ${payment.challenge_hash} (receipt ${payment.kind === "standard_settled" ? payment.chain_receipt_id : "unsettled"})`);
    },
    async onReview(review) {
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
  siglumeCheckoutMiddleware({
    merchant: process.env.SIGLUME_DIRECT_PAYMENT_MERCHANT ?? "sandbox_merchant",
    apiBase: process.env.SIGLUME_API_BASE ?? "http://127.0.0.1:8787/v1",
    merchantAuthToken: process.env.SIGLUME_MERCHANT_AUTH_TOKEN ?? "sandbox_merchant_token",
    publicOrigin: `http://127.0.0.1:${port}`,
    orders,
    allowMeteredPayments,
  }),
);
app.use(async (ctx) => {
  if (ctx.path === "/orders") ctx.body = { paid: [...paidOrders] };
  else if (ctx.path.startsWith("/orders/")) ctx.body = orders.get(ctx.path.slice("/orders/".length)) ?? "null";
});

app.listen(port, "127.0.0.1", () => console.log(`[koa] listening on http://127.0.0.1:${port}/webhooks/siglume`));
