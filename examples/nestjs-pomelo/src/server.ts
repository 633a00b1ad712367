import "reflect-metadata";
import { Injectable, Module } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import {
  OnPomeloOtp,
  OnPomeloReview,
  OnPomeloTokenEvent,
  PomeloWebhooksModule,
  type PomeloOtp,
  type PomeloReview,
  type PomeloTokenEvent,
} from "@siglume-middleware/nestjs/pomelo";
import { secretOrDemo } from "../../shared/demo-secret.js";

// Pomelo's dashboard gives an api key and a base64 api secret; it signs every webhook with them.
const apiKey = process.env.POMELO_API_KEY ?? "pk_demo_pomelo";
const apiSecret = secretOrDemo("nestjs-pomelo", "POMELO_API_SECRET", "ZGVtby1wb21lbG8tYXBpLXNlY3JldC0wMTIzNDU2Nzg5");

@Injectable()
class CardTokens {
  // Each of the three is required: the module refuses to start without one.
  @OnPomeloTokenEvent()
  async token(event: PomeloTokenEvent) {
    console.log(`[nestjs-pomelo] token ${event.tokenId} of card ${event.cardId ?? "?"}: ${event.status}`);
  }

  @OnPomeloOtp()
  async otp(otp: PomeloOtp) {
    // Deliver otp.code to the cardholder here (an SMS or e-mail to otp.recipient); never log it.
    console.log(`[nestjs-pomelo] OTP for card ${otp.cardId ?? "?"} sent by ${otp.method ?? "?"} to ${otp.recipient ?? "?"}`);
  }

  @OnPomeloReview()
  async review(review: PomeloReview) {
    console.log(`[nestjs-pomelo] review: ${review.reason} (${review.detail})`);
  }
}

@Module({
  // POST /webhooks/pomelo/tokens and /webhooks/pomelo/otp. In production also pass
  // digestKey: process.env.POMELO_DIGEST_KEY (16+ characters, kept for good): see docs/pomelo.md.
  imports: [PomeloWebhooksModule.forRoot({ apiKeys: [{ key: apiKey, secret: apiSecret }] })],
  providers: [CardTokens],
})
class AppModule {}

// rawBody: true keeps the signed bytes next to Nest's parsed JSON: the signature is checked over them.
const app = await NestFactory.create(AppModule, { rawBody: true, logger: ["error", "warn"] });
const port = Number(process.env.PORT ?? 3000);
await app.listen(port, "127.0.0.1");
console.log(`[nestjs-pomelo] listening on http://127.0.0.1:${port}/webhooks/pomelo/otp`);
