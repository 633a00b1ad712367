// The packaging test's Fastify app, built from the packed tarballs as a user would write it. It prints
// "listening <port>" once it is up and a line per handled event; PORT=0 picks a free port.
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import { siglumePlugin } from "@siglume-middleware/fastify";

const app = Fastify();
app.register(siglumePlugin, {
  webhookSecret: process.env.SIGLUME_WEBHOOK_SECRET,
  onDirectPaymentConfirmed(payment) {
    // Fastify types this as every fulfillable kind; only Standard arrives without allowMeteredPayments.
    if (payment.kind === "standard_settled") console.log(`paid ${payment.challenge_hash}`);
  },
  onReview(review) {
    console.log(`review ${review.reason}`);
  },
});
app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" }).then(
  () => console.log(`listening ${(app.server.address() as AddressInfo).port}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
