// The hot path's hand-written checks against the zod schemas that state the same contract.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  authenticationNotificationSchema,
  notificationProblem,
  relayedAuthenticationRequestSchema,
  relayedProblem,
} from "@siglume-middleware/adyen";
import { adyenEvents } from "@siglume-middleware/testing";

/** A value for a field: usually the right kind, sometimes anything else. */
const sometimes = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.string(), fc.boolean(), fc.constant([])) });
const purchase = fc.record(
  {
    date: sometimes(fc.string()),
    merchantName: sometimes(fc.string()),
    originalAmount: sometimes(fc.record({ currency: sometimes(fc.string()), value: sometimes(fc.double()) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);
const id = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constant("bad\u0000id"), fc.constant("x".repeat(300)), fc.constant(""));

describe("Adyen payload checks agree with the zod schemas", () => {
  it("relayed authentication requests", () => {
    const relayed = fc.record(
      {
        id: sometimes(id),
        paymentInstrumentId: sometimes(fc.string()),
        purchase: sometimes(purchase),
        environment: sometimes(fc.constantFrom("test", "live")),
        timestamp: sometimes(fc.string()),
        threeDSRequestorAppURL: sometimes(fc.string()),
        type: fc.oneof(fc.constant("balancePlatform.authentication.relayed"), fc.string()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(relayed, fc.constant(adyenEvents.relayed())), (value) => {
        expect(relayedProblem(value as Record<string, unknown>) === undefined).toBe(relayedAuthenticationRequestSchema.safeParse(value).success);
      }),
      { numRuns: 3000 },
    );
  });

  it("authentication result notifications", () => {
    const authentication = fc.record(
      {
        acsTransId: sometimes(fc.string()),
        transStatus: sometimes(fc.string()),
        type: sometimes(fc.string()),
        challenge: fc.oneof(fc.constant(null), fc.record({ flow: fc.string() }), fc.integer()),
        inPSD2Scope: sometimes(fc.boolean()),
      },
      { requiredKeys: [] },
    );
    const data = fc.record(
      { id: sometimes(id), paymentInstrumentId: sometimes(fc.string()), status: sometimes(fc.string()), authentication: sometimes(authentication), purchase: sometimes(purchase) },
      { requiredKeys: [] },
    );
    const notification = fc.record(
      { type: fc.oneof(fc.constant("balancePlatform.authentication.created"), fc.string()), environment: sometimes(fc.string()), data: sometimes(data) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(notification, fc.constant(adyenEvents.authenticationCreated())), (value) => {
        expect(notificationProblem(value as Record<string, unknown>) === undefined).toBe(authenticationNotificationSchema.safeParse(value).success);
      }),
      { numRuns: 3000 },
    );
  });
});
