// The packaging test's Express app, built from the packed tarballs as a user would write it. It prints
// "listening <port>" once it is up and a line per handled event; PORT=0 picks a free port.
import type { AddressInfo } from "node:net";
import express from "express";
import { siglumeRouter } from "@siglume-middleware/express";

const app = express();
app.use(
  siglumeRouter({
    webhookSecret: process.env.SIGLUME_WEBHOOK_SECRET,
    onDirectPaymentConfirmed(payment) {
      console.log(`paid ${payment.challenge_hash}`);
    },
    onReview(review) {
      console.log(`review ${review.reason}`);
    },
  }),
);
app.use(express.json());
const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
