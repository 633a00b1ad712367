import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  directPaymentConfirmedEventSchema,
  directPaymentSpentEventSchema,
  envelopeProblem,
  eventIdProblem,
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

describe("eventIdProblem", () => {
  it("refuses empty, blank, over-long, control-character and lone-surrogate ids, and nothing else", () => {
    for (const bad of ["", " ", "\u00a0\u3000", "a".repeat(256), "evt\u0000", "evt\u0085", "evt\ud800", "\udc00evt"]) {
      expect(eventIdProblem(bad), JSON.stringify(bad)).toBeTypeOf("string");
    }
    for (const good of ["evt_1", " evt ", "a".repeat(255), "évènement-😀", "42"]) expect(eventIdProblem(good), good).toBeUndefined();
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 80 }), (id) => {
        const expected = id.trim() !== "" && !/[\u0000-\u001f\u007f-\u009f]/.test(id);
        expect(eventIdProblem(id) === undefined).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

