import Fastify, { type FastifyRequest } from "fastify";
import { fulfilSiglumePayment, memoryOrderStore, siglumeCheckoutPlugin, siglumePlugin } from "@siglume-middleware/fastify";
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";

const webhookSecret = webhookSecretOrDemo("fastify");
const allowMeteredPayments = process.env.SIGLUME_ALLOW_METERED === "1";
const port = Number(process.env.PORT ?? 3000);
const paidOrders = new Set<string>();
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
    if (result.status === "mismatch" && result.reason !== "unknown_challenge_hash") {
      return console.log(`[fastify] review: event ${payment.event.id} (${result.reason})`);
    }
    if (result.status === "already_paid") return;
    // Not one of this app's checkouts (e.g. sent with `siglume-webhooks send`): fulfilled by challenge_hash.
    if (payment.kind !== "standard_settled") throw new Error(`unexpected ${payment.kind}`);
    paidOrders.add(payment.challenge_hash);
    console.log(`[fastify] paid: order ${payment.challenge_hash} (receipt ${payment.chain_receipt_id})`);
  },
  async onReview(review) {
    console.log(`[fastify] review: event ${review.event.id} (${review.reason})`);
  },
});
// POST /checkout/siglume/start {"order_id": "…"}, with the app's own JSON parser.
await app.register(siglumeCheckoutPlugin, {
  merchant: process.env.SIGLUME_DIRECT_PAYMENT_MERCHANT ?? "sandbox_merchant",
  apiBase: process.env.SIGLUME_API_BASE ?? "http://127.0.0.1:8787/v1",
  merchantAuthToken: process.env.SIGLUME_MERCHANT_AUTH_TOKEN ?? "sandbox_merchant_token",
  publicOrigin: `http://127.0.0.1:${port}`,
  orders,
  allowMeteredPayments,
});
// The app's own JSON routes keep Fastify's default parser.
app.get("/orders", async () => ({ paid: [...paidOrders] }));
app.get<{ Params: { id: string } }>("/orders/:id", async (request) => orders.get(request.params.id) ?? null);

await app.listen({ port, host: "127.0.0.1" });
console.log(`[fastify] listening on http://127.0.0.1:${port}/webhooks/siglume`);
