// POST /edge/webhooks/siglume: a Siglume webhook on Next.js's edge runtime, where the core verifies signatures
// with WebCrypto. An edge route runs in an isolate of its own: it shares no memory with the Node.js routes (so
// not the shop's order store) and cannot use pg or ioredis. Each event is handled once per isolate.
import { platformName, siglumeFetchHandler } from "@siglume-middleware/web";
import { fallbackWebhookSecret } from "../../../../../shared/production";

export const runtime = "edge";

export const POST = siglumeFetchHandler({
  path: "/edge/webhooks/siglume",
  // The edge runtime cannot exit the process: in production without the secret the handler refuses to load
  // (the core names SIGLUME_WEBHOOK_SECRET), and the server refused to start already (instrumentation.ts).
  webhookSecret: process.env.SIGLUME_WEBHOOK_SECRET ?? fallbackWebhookSecret(),
  async onDirectPaymentConfirmed(payment) {
    const { amount_minor, currency } = payment.event.data;
    console.log(`[nextjs edge] event ${payment.event.id} confirmed: ${payment.kind}, ${currency} ${amount_minor} (${platformName} crypto)`);
  },
  async onReview(review) {
    console.log(`[nextjs edge] review: event ${review.event.id} (${review.reason})`);
  },
});
