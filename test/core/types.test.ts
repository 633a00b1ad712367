import { describe, expectTypeOf, it } from "vitest";
import type { MeteredBatchSettled, MeteredUsageAccepted, SiglumeOptions, StandardSettled } from "@siglume-middleware/core";
import { siglumeRouter } from "@siglume-middleware/express";
import { siglumeMiddleware } from "@siglume-middleware/koa";
import { siglumePlugin } from "@siglume-middleware/fastify";
import Fastify from "fastify";

// Checked by `tsc -p test` in npm test; at run time these only construct handlers.
describe("handler parameter types follow allowMeteredPayments", () => {
  it("is Standard only by default", () => {
    siglumeRouter({
      webhookSecret: "k",
      onDirectPaymentConfirmed: (confirmation) => {
        expectTypeOf(confirmation).toEqualTypeOf<StandardSettled>();
        expectTypeOf(confirmation.challenge_hash).toEqualTypeOf<string>();
      },
      onReview: () => {},
    });
  });

  it("widens to metered kinds when opted in", () => {
    siglumeMiddleware({
      webhookSecret: "k",
      allowMeteredPayments: true,
      onDirectPaymentConfirmed: (confirmation) => {
        expectTypeOf(confirmation).toEqualTypeOf<StandardSettled | MeteredUsageAccepted | MeteredBatchSettled>();
        if (confirmation.kind === "metered_batch_settled") expectTypeOf(confirmation.settlement_batch_id).toEqualTypeOf<string>();
      },
      onReview: (review) => {
        expectTypeOf(review.reason).toExtend<string>();
      },
    });
  });

  it("rejects a handler that assumes metered kinds without the opt-in", () => {
    const options: SiglumeOptions = {
      webhookSecret: "k",
      // @ts-expect-error metered confirmations never reach this handler unless allowMeteredPayments is true
      onDirectPaymentConfirmed: (confirmation: MeteredUsageAccepted) => confirmation.pricing_band,
      onReview: () => {},
    };
    expectTypeOf(options).toExtend<SiglumeOptions>();
  });

  it("Fastify: accepts a handler annotated for Standard, and types an unannotated one as every fulfillable kind", async () => {
    const app = Fastify();
    await app.register(siglumePlugin, {
      webhookSecret: "k",
      onDirectPaymentConfirmed: async (payment: StandardSettled) => expectTypeOf(payment.chain_receipt_id).toEqualTypeOf<string>(),
      onReview: () => {},
    });
    await app.register(siglumePlugin, {
      webhookSecret: "k",
      path: "/other",
      allowMeteredPayments: true,
      onDirectPaymentConfirmed: (payment) =>
        expectTypeOf(payment).toEqualTypeOf<StandardSettled | MeteredUsageAccepted | MeteredBatchSettled>(),
      onReview: () => {},
    });
    await app.close();
  });
});
