import "reflect-metadata";
import { Injectable, Module } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import {
  AdyenWebhooksModule,
  OnAdyenAuthenticationResult,
  OnAdyenRelayedAuthentication,
  type AdyenRelayedContext,
  type AuthenticationNotification,
  type RelayedAuthenticationRequest,
} from "@siglume-middleware/nestjs/adyen";
import { secretOrDemo } from "../../shared/demo-secret.js";

// Adyen's Customer Area gives each webhook an HMAC key (hex) and a Basic auth username and password.
const hmacKey = secretOrDemo("nestjs-adyen", "ADYEN_HMAC_KEY", "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056");
const basicAuth = {
  username: process.env.ADYEN_WEBHOOK_USERNAME ?? "adyen-demo",
  password: secretOrDemo("nestjs-adyen", "ADYEN_WEBHOOK_PASSWORD", "demo-password"),
};

@Injectable()
class CardholderAuthentication {
  // Exactly one method decides. Answered within 1.5 s of arrival whatever happens: anything but
  // "proceed" in time (a throw, an overrun) is "refused".
  @OnAdyenRelayedAuthentication()
  async decide(request: RelayedAuthenticationRequest, ctx: AdyenRelayedContext) {
    // Demo policy: approve purchases up to 500.00. A real platform asks its cardholder, in its app, before ctx.deadline.
    const { value, currency } = request.purchase.originalAmount;
    const decision = value <= 50_000 ? "proceed" : "refused";
    console.log(`[nestjs-adyen] relayed ${request.id}: ${decision} (${currency} ${value / 100} at ${request.purchase.merchantName}, ${ctx.deadline - Date.now()} ms left)`);
    return decision;
  }

  // The outcome, once per notification however often Adyen retries it.
  @OnAdyenAuthenticationResult()
  async result(notification: AuthenticationNotification) {
    console.log(`[nestjs-adyen] result ${notification.data.id}: ${notification.data.status}`);
  }
}

@Module({
  // POST /webhooks/adyen/authentication; AdyenWebhooksModule.forRootAsync({ useFactory, inject }) reads a ConfigService.
  imports: [AdyenWebhooksModule.forRoot({ hmacKey, basicAuth })],
  providers: [CardholderAuthentication],
})
class AppModule {}

// rawBody: true keeps the signed bytes next to Nest's parsed JSON: the HMAC is checked over them.
const app = await NestFactory.create(AppModule, { rawBody: true, logger: ["error", "warn"] });
const port = Number(process.env.PORT ?? 3000);
await app.listen(port, "127.0.0.1");
console.log(`[nestjs-adyen] listening on http://127.0.0.1:${port}/webhooks/adyen/authentication`);
