// The hot path's hand-written checks against the zod schemas that state the same contract, per endpoint.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLEARTX_ROUTES, clearTxPayloadProblem, clearTxSchemas, parseClearTxNotification } from "@siglume-middleware/cleartx";
import { clearTxRequest } from "@siglume-middleware/testing";

/** A value for a field: usually the right kind, sometimes anything else. */
const sometimes = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.string(), fc.boolean(), fc.constant([]), fc.constant({})) },
  );
const ref = fc.oneof(fc.uuid(), fc.uuid().map((u) => u.toUpperCase()), fc.string(), fc.constant(""), fc.uuid().map((u) => ` ${u}`));
const status = fc.constantFrom("CONFIRMED", "DECLINED", "REJECTED", "BROADCASTED", "confirmed", "PENDING");
const reason = fc.record({ category: sometimes(fc.string()), description: sometimes(fc.string()), extra: fc.jsonValue() }, { requiredKeys: [] });
const chain = fc.record(
  { txHash: sometimes(fc.string()), origin: sometimes(fc.string()), destination: sometimes(fc.string()) },
  { requiredKeys: [] },
);
const notification = fc.record(
  {
    transactionRef: sometimes(ref),
    protocol: sometimes(fc.constantFrom("MAIN", "BASIC", "FUTURE")),
    status: sometimes(status),
    originatorVASPdid: sometimes(fc.constant("did:web:a.example")),
    beneficiaryVASPdid: sometimes(fc.constant("did:web:b.example")),
    reason: sometimes(reason),
    transactionBlockchainInfo: sometimes(chain),
    ivms101: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const builtRoutes = fc.constantFrom(...CLEARTX_ROUTES).map((route) => JSON.parse(clearTxRequest(route).text) as unknown);

describe("ClearTX payload checks agree with the zod schemas", () => {
  it.each(CLEARTX_ROUTES)("at %s", (route) => {
    fc.assert(
      fc.property(fc.oneof(notification, builtRoutes, fc.jsonValue()), (value) => {
        const problem = clearTxPayloadProblem(route, value);
        expect(problem === undefined).toBe(clearTxSchemas[route].safeParse(value).success);
        // The hot path never repeats a payload value in its message, but a documented status.
        if (problem !== undefined && typeof value === "object" && value !== null && "transactionRef" in value) {
          const given = (value as { transactionRef: unknown }).transactionRef;
          if (typeof given === "string" && given.length > 3) expect(problem.message).not.toContain(given);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("accepts what the builders make at their own endpoint, with unknown enum values and extra fields", () => {
    for (const route of CLEARTX_ROUTES) {
      const payload = { ...JSON.parse(clearTxRequest(route).text), protocol: "FUTURE_PROTOCOL", addedLater: { x: 1 } };
      expect(clearTxPayloadProblem(route, payload)).toBeUndefined();
      expect(clearTxSchemas[route].safeParse(payload).success).toBe(true);
    }
    const declined = JSON.parse(clearTxRequest("declined", { reason: { category: "NEW_CATEGORY" } }).text);
    expect(clearTxPayloadProblem("declined", declined)).toBeUndefined();
  });

  it("names the mismatch for a status at another endpoint, and reads a body that is not JSON as a problem, never a throw", () => {
    const declined = clearTxRequest("declined").text;
    expect(parseClearTxNotification("broadcasted", declined)).toMatchObject({
      ok: false,
      problem: { reason: "status_mismatch", field: "status", message: expect.stringMatching(/"DECLINED", but the broadcasted endpoint receives "BROADCASTED"/) },
    });
    expect(parseClearTxNotification("confirmed", "{")).toMatchObject({ ok: false, problem: { reason: "invalid_json" }, payload: undefined });
    expect(parseClearTxNotification("confirmed", "[1]")).toMatchObject({ ok: false, problem: { reason: "invalid_payload" } });
    // A status nobody documented is not echoed.
    const odd = clearTxRequest("confirmed", { status: "<script>" }).text;
    const parsed = parseClearTxNotification("confirmed", odd);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem.message).not.toContain("<script>");
  });
});
