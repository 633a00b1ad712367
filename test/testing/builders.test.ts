import { describe, expect, it } from "vitest";
import { classifyDirectPaymentConfirmation, isReadinessProbe, verifySiglumeWebhook } from "@siglume-middleware/core";
import { EVENT_KINDS, UNKNOWN_REASONS, signedRequest, siglumeEvents } from "@siglume-middleware/testing";

describe("@siglume-middleware/testing builders", () => {
  it.each([
    ["standardSettled", siglumeEvents.standardSettled, "standard_settled"],
    ["meteredUsageAccepted", siglumeEvents.meteredUsageAccepted, "metered_usage_accepted"],
    ["meteredBatchSettled", siglumeEvents.meteredBatchSettled, "metered_batch_settled"],
  ] as const)("%s classifies as %s", (_name, build, kind) => {
    expect(classifyDirectPaymentConfirmation(JSON.parse(JSON.stringify(build()))).kind).toBe(kind);
  });

  it.each(UNKNOWN_REASONS)("unknown(%s) classifies as exactly that reason", (reason) => {
    const result = classifyDirectPaymentConfirmation(JSON.parse(JSON.stringify(siglumeEvents.unknown(reason))));
    expect(result).toMatchObject({ kind: "unknown", reason });
  });

  it("builds readiness probes and spent events, with fresh ids, and merges overrides", () => {
    expect(isReadinessProbe(siglumeEvents.readinessProbe())).toBe(true);
    expect(siglumeEvents.spent().type).toBe("direct_payment.spent");
    expect(siglumeEvents.standardSettled().id).not.toBe(siglumeEvents.standardSettled().id);
    const event = siglumeEvents.standardSettled({ id: "evt_fixed", data: { amount_minor: 5000 } });
    expect(event).toMatchObject({ id: "evt_fixed", data: { amount_minor: 5000, pricing_band: "standard" } });
    expect(Object.keys(EVENT_KINDS)).toHaveLength(5 + UNKNOWN_REASONS.length);
  });

  it("signedRequest gives the exact signed bytes and headers", () => {
    const event = siglumeEvents.standardSettled();
    const request = signedRequest(event, { secret: "k", timestamp: 1_800_000_000 });
    expect(request.text).toBe(JSON.stringify(event));
    expect(request.headers["content-type"]).toBe("application/json");
    expect(verifySiglumeWebhook(request.body, request.headers["siglume-signature"], { secret: "k", now: 1_800_000_000 }).id).toBe(event.id);
    expect(() => signedRequest(event)).toThrow(/SIGLUME_WEBHOOK_SECRET/);
  });
});
