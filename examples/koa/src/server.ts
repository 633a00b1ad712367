import Koa from "koa";
import { siglumeMiddleware } from "@siglume-middleware/koa";
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";

const webhookSecret = webhookSecretOrDemo("koa");
const paidOrders = new Set<string>();

const app = new Koa();
// First in the chain, before any body parser.
app.use(
  siglumeMiddleware({
    webhookSecret,
    async onDirectPaymentConfirmed(payment) {
      paidOrders.add(payment.challenge_hash);
      console.log(`[koa] paid: order ${payment.challenge_hash} (receipt ${payment.chain_receipt_id})`);
    },
    async onReview(review) {
      console.log(`[koa] review: event ${review.event.id} (${review.reason})`);
    },
  }),
);
app.use(async (ctx) => {
  if (ctx.path === "/orders") ctx.body = { paid: [...paidOrders] };
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => console.log(`[koa] listening on http://127.0.0.1:${port}/webhooks/siglume`));
