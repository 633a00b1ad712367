import "reflect-metadata";
import { Controller, Get, Injectable, Module } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import {
  OnDirectPaymentConfirmed,
  OnSiglumeReview,
  SiglumeModule,
  type SiglumeReview,
  type StandardSettled,
} from "@siglume-middleware/nestjs";
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";

const paidOrders = new Set<string>();

@Injectable()
class BillingService {
  @OnDirectPaymentConfirmed()
  async paid(payment: StandardSettled) {
    paidOrders.add(payment.challenge_hash);
    console.log(`[nestjs] paid: order ${payment.challenge_hash} (receipt ${payment.chain_receipt_id})`);
  }

  @OnSiglumeReview()
  async review(review: SiglumeReview) {
    console.log(`[nestjs] review: event ${review.event.id} (${review.reason})`);
  }
}

@Controller()
class OrdersController {
  @Get("orders")
  list() {
    return { paid: [...paidOrders] };
  }
}

@Module({
  imports: [
    SiglumeModule.forRoot({ webhookSecret: webhookSecretOrDemo("nestjs") }),
  ],
  controllers: [OrdersController],
  providers: [BillingService],
})
class AppModule {}

// rawBody: true keeps the signed bytes next to Nest's parsed JSON.
const app = await NestFactory.create(AppModule, { rawBody: true, logger: ["error", "warn"] });
const port = Number(process.env.PORT ?? 3000);
// Nest reads the body before the module sees it, so bodyTimeoutMs cannot apply: bound it at the server
// (Node's defaults wait 300 s for a request body).
const server = app.getHttpServer() as import("node:http").Server;
server.requestTimeout = 10_000;
server.headersTimeout = 10_000;
await app.listen(port, "127.0.0.1");
console.log(`[nestjs] listening on http://127.0.0.1:${port}/webhooks/siglume`);
