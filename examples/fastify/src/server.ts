import Fastify, { type FastifyRequest } from "fastify";
import { fulfilSiglumePayment, memoryOrderStore, siglumeCheckoutPlugin, siglumePlugin } from "@siglume-middleware/fastify";
import { checkoutSettings } from "../../shared/checkout-settings.js";
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";

const webhookSecret = webhookSecretOrDemo("fastify");
const allowMeteredPayments = process.env.SIGLUME_ALLOW_METERED === "1";
const port = Number(process.env.PORT ?? 3000);
const checkout = checkoutSettings("fastify", `http://127.0.0.1:${port}`);
// Your review record: payments not applied to an order (to look at, and refund), and events to check.
const reviews: { eventId: string; reason: string }[] = [];
// Your order database; the demo's orders belong to the shopper "demo-shopper".
const orders = memoryOrderStore<FastifyRequest>({
  orders: [
    { id: "ord_standard", amount_minor: 1200, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
    { id: "ord_micro", amount_minor: 300, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
  ],
  owns: (order, request) => order.owner === request.headers["x-demo-shopper"], // stand-in for your session
});

const app = Fastify();
await app.register(siglumePlugin, {
  webhookSecret,
  allowMeteredPayments,
  async onDirectPaymentConfirmed(payment, ctx) {
    if (payment.kind === "metered_batch_settled") return; // names no order: reconcile from statements
    const result = await fulfilSiglumePayment(orders, payment, ctx);
    if (result.status === "paid") return console.log(`[fastify] order ${result.orderId} is paid (${result.orderStatus})`);
    if (result.status === "already_paid") return;
    // Not applied, never fulfilled: a mismatch, or (unknown_challenge_hash) no checkout of this shop at all.
    reviews.push({ eventId: payment.event.id, reason: result.reason });
    console.log(`[fastify] review: event ${payment.event.id} (${result.reason})`);
  },
  async onReview(review) {
    reviews.push({ eventId: review.event.id, reason: review.reason });
    console.log(`[fastify] review: event ${review.event.id} (${review.reason})`);
  },
});
// POST /checkout/siglume/start {"order_id": "…"}, with the app's own JSON parser.
await app.register(siglumeCheckoutPlugin, { ...checkout, orders, allowMeteredPayments });
// The app's own JSON routes keep Fastify's default parser.
app.get<{ Params: { id: string } }>("/orders/:id", async (request) => orders.get(request.params.id) ?? null);
app.get("/reviews", async () => reviews);

await app.listen({ port, host: "127.0.0.1" });
console.log(`[fastify] listening on http://127.0.0.1:${port}/webhooks/siglume`);
