import "reflect-metadata";
import { Controller, Get, Injectable, Module, Param } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import {
  OnDirectPaymentConfirmed,
  OnSiglumeReview,
  SiglumeCheckoutModule,
  SiglumeModule,
  fulfilSiglumePayment,
  memoryOrderStore,
  type MeteredUsageAccepted,
  type SiglumeContext,
  type SiglumeReview,
  type StandardSettled,
} from "@siglume-middleware/nestjs";
import { checkoutSettings } from "../../shared/checkout-settings.js";
import { webhookSecretOrDemo } from "../../shared/demo-secret.js";

const allowMeteredPayments = process.env.SIGLUME_ALLOW_METERED === "1";
const port = Number(process.env.PORT ?? 3000);
// Your review record: payments not applied to an order (to look at, and refund), and events to check.
const reviews: { eventId: string; reason: string }[] = [];
// Your order database; the demo's orders belong to the shopper "demo-shopper".
const orders = memoryOrderStore<{ headers: Record<string, unknown> }>({
  orders: [
    { id: "ord_standard", amount_minor: 1200, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
    { id: "ord_micro", amount_minor: 300, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
  ],
  owns: (order, req) => order.owner === req.headers["x-demo-shopper"], // stand-in for your session/guard
});

@Injectable()
class BillingService {
  @OnDirectPaymentConfirmed(...(allowMeteredPayments ? (["standard_settled", "metered_usage_accepted"] as const) : (["standard_settled"] as const)))
  async paid(payment: StandardSettled | MeteredUsageAccepted, ctx: SiglumeContext) {
    const result = await fulfilSiglumePayment(orders, payment, ctx);
    if (result.status === "paid") return console.log(`[nestjs] order ${result.orderId} is paid (${result.orderStatus})`);
    if (result.status === "already_paid") return;
    // Not applied, never fulfilled: a mismatch, or (unknown_challenge_hash) no checkout of this shop at all.
    reviews.push({ eventId: payment.event.id, reason: result.reason });
    console.log(`[nestjs] review: event ${payment.event.id} (${result.reason})`);
  }

  @OnSiglumeReview()
  async review(review: SiglumeReview) {
    reviews.push({ eventId: review.event.id, reason: review.reason });
    console.log(`[nestjs] review: event ${review.event.id} (${review.reason})`);
  }
}

@Controller()
class OrdersController {
  @Get("reviews")
  reviews() {
    return reviews;
  }
  @Get("orders/:id")
  one(@Param("id") id: string) {
    return orders.get(id) ?? null;
  }
}

// A metered batch names no order; with metered payments on it is reconciled from statements.
@Injectable()
class Statements {
  @OnDirectPaymentConfirmed("metered_batch_settled")
  batch() {}
}

@Module({
  imports: [
    SiglumeModule.forRoot({ webhookSecret: webhookSecretOrDemo("nestjs"), allowMeteredPayments }),
    // POST /checkout/siglume/start {"order_id": "…"}: an ordinary controller, so the app's guards apply.
    SiglumeCheckoutModule.forRoot({ ...checkoutSettings("nestjs", `http://127.0.0.1:${port}`), orders, allowMeteredPayments }),
  ],
  controllers: [OrdersController],
  providers: [BillingService, ...(allowMeteredPayments ? [Statements] : [])],
})
class AppModule {}

// rawBody: true keeps the signed bytes next to Nest's parsed JSON.
const app = await NestFactory.create(AppModule, { rawBody: true, logger: ["error", "warn"] });
// Nest reads the body before the module sees it, so bodyTimeoutMs cannot apply: bound it at the server
// (Node's defaults wait 300 s for a request body).
const server = app.getHttpServer() as import("node:http").Server;
server.requestTimeout = 10_000;
server.headersTimeout = 10_000;
await app.listen(port, "127.0.0.1");
console.log(`[nestjs] listening on http://127.0.0.1:${port}/webhooks/siglume`);
