// Payload text that becomes part of a store record (keys, type and outcome labels) is held to what any
// store can write: a NUL or a lone surrogate would fail every write of that event (503 forever).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adyenAuthenticationWebhooks } from "@siglume-middleware/adyen";
import { createWebhookHandler, eventIdProblem, memoryIdempotencyStore, recordLabel, type IdempotencyStore } from "@siglume-middleware/core";
import { pomeloWebhooks } from "@siglume-middleware/pomelo";
import { adyenSignedRequest, pomeloEvents, pomeloSignedRequest } from "@siglume-middleware/testing";

/** A memory store that remembers every key, type and outcome it was asked to write. */
function recordingStore() {
  const inner = memoryIdempotencyStore();
  const written: string[] = [];
  const store: IdempotencyStore = {
    async claim(key, info) {
      written.push(key, info.type);
      const claimed = await inner.claim(key, info);
      if (claimed.status !== "claimed") return claimed;
      const { claim } = claimed;
      return {
        status: "claimed",
        claim: {
          renew: () => claim.renew(),
          release: (failure) => claim.release(failure),
          complete: (completion) => {
            written.push(completion.outcome);
            return claim.complete(completion);
          },
        },
      };
    },
  };
  return { store, written };
}

const silent = { info() {}, warn() {}, error() {} };
const request = (headers: Record<string, string>, body: Buffer, path: string) => ({
  method: "POST",
  header: (name: string) => headers[name],
  readBody: () => body,
  request: {},
  path,
});

describe("record labels", () => {
  it("recordLabel keeps what could be an event id of ≤ 120 characters and replaces anything else", () => {
    expect(recordLabel("ACTIVATED", "unknown")).toBe("ACTIVATED");
    expect(recordLabel("ACTI\u0000VATED", "unknown")).toBe("unknown");
    expect(recordLabel("\uD800", "unknown")).toBe("unknown");
    expect(recordLabel(42, "unknown")).toBe("unknown");
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        const label = recordLabel(text, "fallback");
        expect(label === text || label === "fallback").toBe(true);
        expect(eventIdProblem(label)).toBeUndefined();
        expect(label.length).toBeLessThanOrEqual(120);
      }),
    );
  });

  it("a Pomelo token status and an Adyen webhook type holding a NUL never reach the store's labels", async () => {
    const pomelo = recordingStore();
    const secret = Buffer.from("record-labels-pomelo-secret-01").toString("base64");
    const tokens = createWebhookHandler(
      pomeloWebhooks({ apiKeys: [{ key: "pk_labels", secret }], idempotencyStore: pomelo.store, logger: silent, onTokenEvent() {}, onOtp() {}, onReview() {} }),
    );
    const path = "/webhooks/pomelo/tokens";
    const token = pomeloSignedRequest(pomeloEvents.tokenUpdated({ status: "ACTI\u0000VE" }), { apiKey: "pk_labels", apiSecret: secret, endpoint: path });
    expect((await tokens.handle({ ...request(token.headers, token.body, path), route: tokens.match(path) })).status).toBe(204);
    expect(pomelo.written.some((text) => text.includes("\u0000"))).toBe(false);

    const adyen = recordingStore();
    const hmacKey = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
    const other = createWebhookHandler(
      adyenAuthenticationWebhooks({
        hmacKey,
        basicAuth: false,
        idempotencyStore: adyen.store,
        logger: silent,
        onRelayedAuthentication: () => "proceed",
        onAuthenticationResult() {},
        onEvent() {},
      }),
    );
    const delivery = adyenSignedRequest({ type: "balancePlatform.x\u0000y", data: { id: "a\u0000b" } }, { hmacKey });
    const adyenPath = "/webhooks/adyen/authentication";
    const response = await other.handle({ ...request(delivery.headers, delivery.body, adyenPath), route: other.match(adyenPath) });
    expect(response.status).toBeLessThan(300);
    expect(adyen.written.length).toBeGreaterThan(0);
    expect(adyen.written.some((text) => text.includes("\u0000"))).toBe(false);
  });
});
