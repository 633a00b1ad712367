import { describe, expectTypeOf, it } from "vitest";
import type { MeteredBatchSettled, MeteredUsageAccepted, SiglumeOptions, StandardSettled } from "@siglume-middleware/core";
import { siglumeRouter } from "@siglume-middleware/express";
import { siglumeMiddleware } from "@siglume-middleware/koa";

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
});
