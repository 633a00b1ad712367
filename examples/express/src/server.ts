import express from "express";
import { siglumeRouter } from "@siglume-middleware/express";

// Demo default only: in production set SIGLUME_WEBHOOK_SECRET to your endpoint's secret.
const webhookSecret = process.env.SIGLUME_WEBHOOK_SECRET ?? "whsec_demo_secret";
const paidOrders = new Set<string>();

const app = express();

// Mounted before express.json(): the router reads the raw bytes it must verify.
app.use(
  siglumeRouter({
    webhookSecret,
    async onDirectPaymentConfirmed(payment) {
      // Standard only (allowMeteredPayments is off): settled on-chain, safe to fulfil.
      paidOrders.add(payment.challenge_hash);
      console.log(`[express] paid: order ${payment.challenge_hash} (receipt ${payment.chain_receipt_id})`);
    },
    async onReview(review) {
      console.log(`[express] review: event ${review.event.id} (${review.reason})`);
    },
  }),
);
app.use(express.json());
app.get("/orders", (_req, res) => res.json({ paid: [...paidOrders] }));

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => console.log(`[express] listening on http://127.0.0.1:${port}/webhooks/siglume`));
