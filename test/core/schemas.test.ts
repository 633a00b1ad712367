import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  directPaymentConfirmedEventSchema,
  directPaymentSpentEventSchema,
  envelopeProblem,
  siglumeEventSchema,
} from "@siglume-middleware/core";
import { siglumeEvents } from "@siglume-middleware/testing";

const vectors = JSON.parse(readFileSync(new URL("../fixtures/siglume-vectors.json", import.meta.url), "utf8"));

describe("zod schemas", () => {
  it("the envelope schema accepts exactly what the hot-path check accepts", () => {
    const envelopeLike = fc.record(
      {
        id: fc.oneof(fc.string(), fc.constant("  "), fc.integer()),
        type: fc.oneof(fc.constant("direct_payment.confirmed"), fc.string()),
        api_version: fc.oneof(fc.constant("2026-06-11"), fc.constant("")),
        occurred_at: fc.oneof(fc.constant("2026-06-11T00:00:00Z"), fc.constant(null)),
        data: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.integer()), fc.constant(null)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(envelopeLike, fc.jsonValue()), (value) => {
        expect(siglumeEventSchema.safeParse(value).success).toBe(envelopeProblem(value) === undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it("types every reference vector's envelope and the builders' payloads", () => {
    for (const { event } of vectors.classify) expect(siglumeEventSchema.safeParse(event).success).toBe(true);
    for (const built of [siglumeEvents.standardSettled(), siglumeEvents.meteredUsageAccepted(), siglumeEvents.meteredBatchSettled()]) {
      const event = JSON.parse(JSON.stringify(built));
      expect(directPaymentConfirmedEventSchema.parse(event).data).toEqual(event.data);
    }
    expect(directPaymentSpentEventSchema.safeParse(siglumeEvents.spent()).success).toBe(true);
    expect(directPaymentConfirmedEventSchema.safeParse(siglumeEvents.spent()).success).toBe(false);
  });
});
