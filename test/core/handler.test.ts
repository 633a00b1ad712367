import { describe, expect, it } from "vitest";
import {
  SiglumeConfigurationError,
  createSiglumeWebhookHandler,
  memoryIdempotencyStore,
  type IdempotencyStore,
  type SiglumeOptions,
} from "@siglume-middleware/core";
import { coreRequest } from "../support/core-request.js";
import { SECRET, events, signed } from "../support/events.js";

const post = coreRequest;

const required = { webhookSecret: SECRET, onDirectPaymentConfirmed: () => {}, onReview: () => {} };

describe("start-up checks", () => {
  it.each([
    ["no review handler", { ...required, onReview: undefined }, /onReview is required/],
    ["no confirmed handler", { ...required, onDirectPaymentConfirmed: undefined }, /onDirectPaymentConfirmed is required/],
    ["no secret", { ...required, webhookSecret: undefined }, /SIGLUME_WEBHOOK_SECRET/],
    ["a relative path", { ...required, path: "hooks" }, /path must start with "\/"/],
    ["a zero body limit", { ...required, bodyLimit: 0 }, /bodyLimit/],
    ["a store without release", { ...required, idempotencyStore: { claim: async () => ({ status: "claimed" }), complete: async () => {} } }, /idempotencyStore.release/],
    ["a non-boolean metered flag", { ...required, allowMeteredPayments: "yes" }, /allowMeteredPayments/],
  ])("refuses %s", (_name, options, message) => {
    const saved = process.env.SIGLUME_WEBHOOK_SECRET;
    delete process.env.SIGLUME_WEBHOOK_SECRET;
    try {
      expect(() => createSiglumeWebhookHandler(options as SiglumeOptions)).toThrow(SiglumeConfigurationError);
      expect(() => createSiglumeWebhookHandler(options as SiglumeOptions)).toThrow(message);
    } finally {
      if (saved !== undefined) process.env.SIGLUME_WEBHOOK_SECRET = saved;
    }
  });

  it("falls back to SIGLUME_WEBHOOK_SECRET", async () => {
    process.env.SIGLUME_WEBHOOK_SECRET = "whsec_from_env";
    try {
      const handler = createSiglumeWebhookHandler({ ...required, webhookSecret: undefined });
      expect((await handler.handle(post(signed(events.standardSettled(), { secret: "whsec_from_env" })))).status).toBe(204);
    } finally {
      delete process.env.SIGLUME_WEBHOOK_SECRET;
    }
  });
});

describe("routing without optional handlers", () => {
  it("sends spent and other event types to review when no handler takes them", async () => {
    const reviewed: string[] = [];
    const handler = createSiglumeWebhookHandler({ ...required, onReview: (r) => void reviewed.push(`${r.event.type}:${r.reason}`) });
    for (const event of [events.spent(), events.unknown("not_direct_payment_confirmed", { type: "direct_payment.refunded" })]) {
      expect((await handler.handle(post(signed(event)))).status).toBe(204);
    }
    expect(reviewed).toEqual([
      "direct_payment.spent:not_direct_payment_confirmed",
      "direct_payment.refunded:not_direct_payment_confirmed",
    ]);
  });

  it("never gives a readiness probe (either form) to a payment handler or the store", async () => {
    const touched: string[] = [];
    const store: IdempotencyStore = {
      claim: async () => (touched.push("claim"), { status: "claimed" }),
      complete: async () => void touched.push("complete"),
      release: async () => void touched.push("release"),
    };
    const handler = createSiglumeWebhookHandler({
      webhookSecret: SECRET,
      idempotencyStore: store,
      onDirectPaymentConfirmed: () => void touched.push("confirmed"),
      onReview: () => void touched.push("review"),
    });
    for (const event of [events.readinessProbe(), events.standardSettled({ data: { mode: "readiness_probe" } })]) {
      expect((await handler.handle(post(signed(event)))).status).toBe(204);
    }
    expect(touched).toEqual([]);
  });
});

describe("idempotency store failures", () => {
  const down: IdempotencyStore = {
    claim: async () => {
      throw new Error("ECONNREFUSED");
    },
    complete: async () => {},
    release: async () => {},
  };

  it("answers 503 STORE_UNAVAILABLE with Retry-After and dispatches nothing when the store is down", async () => {
    let dispatched = 0;
    const errors: unknown[] = [];
    const handler = createSiglumeWebhookHandler({
      ...required,
      idempotencyStore: down,
      retryAfterSeconds: 7,
      onDirectPaymentConfirmed: () => void dispatched++,
      onError: (error) => void errors.push(error),
    });
    const response = await handler.handle(post(signed(events.standardSettled())));
    expect(response.status).toBe(503);
    expect(response.headers["retry-after"]).toBe("7");
    expect(JSON.parse(response.body!).error.code).toBe("STORE_UNAVAILABLE");
    expect(dispatched).toBe(0);
    expect(errors).toHaveLength(1);
  });

  it("does not acknowledge when completion cannot be recorded", async () => {
    const store = memoryIdempotencyStore();
    const handler = createSiglumeWebhookHandler({
      ...required,
      onError: () => {},
      idempotencyStore: { ...store, complete: async () => Promise.reject(new Error("timeout")) },
    });
    expect((await handler.handle(post(signed(events.standardSettled())))).status).toBe(503);
  });
});

describe("memory idempotency store", () => {
  it("claims once, reports in-flight, remembers completion and forgets a released claim", async () => {
    let now = 0;
    const store = memoryIdempotencyStore({ lockTtlMs: 1000, now: () => now });
    expect(await store.claim("a", { type: "t" })).toEqual({ status: "claimed" });
    expect(await store.claim("a", { type: "t" })).toEqual({ status: "in_flight" });
    await store.release("a", { error: new Error("handler threw") });
    expect(await store.claim("a", { type: "t" })).toEqual({ status: "claimed" });
    await store.complete("a", { outcome: "standard_settled" });
    expect(await store.claim("a", { type: "t" })).toEqual({ status: "completed" });
    expect(await store.claim("b", { type: "t" })).toEqual({ status: "claimed" });
    now = 1001; // the holder of "b" died: its lock expires
    expect(await store.claim("b", { type: "t" })).toEqual({ status: "claimed" });
  });

  it("stays within maxEntries by forgetting the oldest ids first", async () => {
    const store = memoryIdempotencyStore({ maxEntries: 4 });
    for (const id of ["a", "b", "c"]) {
      await store.claim(id, { type: "t" });
      await store.complete(id, { outcome: "x" });
    }
    expect(await store.claim("a", { type: "t" })).toEqual({ status: "claimed" });
    expect(await store.claim("c", { type: "t" })).toEqual({ status: "completed" });
  });

  it("keeps a claim that outlives a generation switch: its completion or release wins over the older copy", async () => {
    const store = memoryIdempotencyStore({ maxEntries: 4 }); // generations of 2
    expect(await store.claim("x", { type: "t" })).toEqual({ status: "claimed" });
    expect(await store.claim("y", { type: "t" })).toEqual({ status: "claimed" }); // the generation switches here
    await store.complete("x", { outcome: "standard_settled" });
    expect(await store.claim("x", { type: "t" })).toEqual({ status: "completed" });
    expect(await store.claim("y", { type: "t" })).toEqual({ status: "in_flight" });
    await store.release("y", { error: new Error("handler threw") });
    expect(await store.claim("y", { type: "t" })).toEqual({ status: "claimed" });
  });

  it("remembers the most recent maxEntries/2 ids under sustained load", async () => {
    const store = memoryIdempotencyStore({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) {
      await store.claim(`e${i}`, { type: "t" });
      await store.complete(`e${i}`, { outcome: "x" });
    }
    for (let i = 9_950; i < 10_000; i++) expect(await store.claim(`e${i}`, { type: "t" })).toEqual({ status: "completed" });
    expect(await store.claim("e0", { type: "t" })).toEqual({ status: "claimed" });
  });
});
