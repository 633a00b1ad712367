import Koa from "koa";
import { webhookMiddleware } from "@siglume-middleware/koa";
import { pomeloWebhooks } from "@siglume-middleware/pomelo";
import { secretOrDemo } from "../../shared/demo-secret.js";

// Pomelo's dashboard gives an api key and a base64 api secret; it signs every webhook with them.
const apiKey = process.env.POMELO_API_KEY ?? "pk_demo_pomelo";
const apiSecret = secretOrDemo("pomelo", "POMELO_API_SECRET", "ZGVtby1wb21lbG8tYXBpLXNlY3JldC0wMTIzNDU2Nzg5");

const app = new Koa();
// First in the chain, before any body parser: POST /webhooks/pomelo/tokens and /webhooks/pomelo/otp.
app.use(
  webhookMiddleware(
    pomeloWebhooks<Koa.Context>({
      apiKeys: [{ key: apiKey, secret: apiSecret }],
      async onTokenEvent(event) {
        console.log(`[pomelo] token ${event.tokenId} of card ${event.cardId ?? "?"}: ${event.status}`);
      },
      async onOtp(otp) {
        // Deliver otp.code to the cardholder here (an SMS or e-mail to otp.recipient); never log it.
        console.log(`[pomelo] OTP for card ${otp.cardId ?? "?"} sent by ${otp.method ?? "?"} to ${otp.recipient ?? "?"}`);
      },
      async onReview(review) {
        console.log(`[pomelo] review: ${review.reason} (${review.detail})`);
      },
    }),
  ),
);

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => console.log(`[pomelo] listening on http://127.0.0.1:${port}/webhooks/pomelo/otp`));
