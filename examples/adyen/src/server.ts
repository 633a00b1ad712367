import express, { type Request } from "express";
import { adyenAuthenticationWebhooks } from "@siglume-middleware/adyen";
import { webhookRouter } from "@siglume-middleware/express";
import { secretOrDemo } from "../../shared/demo-secret.js";

// Adyen's Customer Area gives each webhook an HMAC key (hex) and a Basic auth username and password.
const hmacKey = secretOrDemo("adyen", "ADYEN_HMAC_KEY", "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056");
const basicAuth = {
  username: process.env.ADYEN_WEBHOOK_USERNAME ?? "adyen-demo",
  password: secretOrDemo("adyen", "ADYEN_WEBHOOK_PASSWORD", "demo-password"),
};

const app = express();
app.use(
  webhookRouter(
    adyenAuthenticationWebhooks<Request>({
      hmacKey,
      basicAuth,
      // Answered within 1.5 s of arrival whatever happens; anything but "proceed" in time is "refused".
      async onRelayedAuthentication(request) {
        // Demo policy: approve purchases up to 500.00. A real platform asks its cardholder, in its app.
        const { value, currency } = request.purchase.originalAmount;
        const decision = value <= 50_000 ? "proceed" : "refused";
        console.log(`[adyen] relayed ${request.id}: ${decision} (${currency} ${value / 100} at ${request.purchase.merchantName})`);
        return decision;
      },
      async onAuthenticationResult(notification) {
        console.log(`[adyen] result ${notification.data.id}: ${notification.data.status}`);
      },
    }),
  ),
);

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => console.log(`[adyen] listening on http://127.0.0.1:${port}/webhooks/adyen/authentication`));
