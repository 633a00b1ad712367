import Fastify from "fastify";
import { siglumePlugin } from "@siglume-middleware/fastify";
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";

const webhookSecret = webhookSecretOrDemo("fastify");
const paidOrders = new Set<string>();

const app = Fastify();
await app.register(siglumePlugin, {
  webhookSecret,
  async onDirectPaymentConfirmed(payment) {
    // Only Standard payments arrive (allowMeteredPayments is off); the check narrows the type.
    if (payment.kind !== "standard_settled") throw new Error(`unexpected ${payment.kind}`);
    paidOrders.add(payment.challenge_hash);
    console.log(`[fastify] paid: order ${payment.challenge_hash} (receipt ${payment.chain_receipt_id})`);
  },
  async onReview(review) {
    console.log(`[fastify] review: event ${review.event.id} (${review.reason})`);
  },
});
// The app's own JSON routes keep Fastify's default parser.
app.get("/orders", async () => ({ paid: [...paidOrders] }));

const port = Number(process.env.PORT ?? 3000);
await app.listen({ port, host: "127.0.0.1" });
console.log(`[fastify] listening on http://127.0.0.1:${port}/webhooks/siglume`);
