import { describe, expect, it } from "vitest";
import {
  SiglumeConfigurationError,
  createSiglumeWebhookHandler,
  createWebhookHandler,
  memoryIdempotencyStore,
  siglumeWebhooks,
  type Claim,
  type IdempotencyStore,
  type SiglumeOptions,
  type WebhookProvider,
} from "@siglume-middleware/core";
import { clearTxWebhooks } from "@siglume-middleware/cleartx";
import { pomeloWebhooks } from "@siglume-middleware/pomelo";
import { coreRequest } from "../support/core-request.js";
import { recordingLogger } from "../support/logger.js";
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
    ["a store without claim", { ...required, idempotencyStore: {} }, /idempotencyStore.claim must be a function/],
    ["a store written for the 0.1 interface", { ...required, idempotencyStore: { claim: async () => ({ status: "claimed" }), complete: async () => {}, release: async () => {} } }, /0\.1 interface.*legacyIdempotencyStore/],
    ["a handler timeout above maxHandlerMs", { ...required, handlerTimeoutMs: 5000, maxHandlerMs: 1000 }, /maxHandlerMs must be at least handlerTimeoutMs/],
    ["a zero body timeout", { ...required, bodyTimeoutMs: 0 }, /bodyTimeoutMs/],
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
      claim: async () => {
        touched.push("claim");
        return { status: "in_flight" };
      },
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
    const failingCompletion: IdempotencyStore = {
      async claim(key, info) {
        const result = await store.claim(key, info);
        if (result.status !== "claimed") return result;
        return { status: "claimed", claim: { ...result.claim, complete: () => Promise.reject(new Error("timeout")) } };
      },
    };
    const handler = createSiglumeWebhookHandler({ ...required, onError: () => {}, idempotencyStore: failingCompletion });
    expect((await handler.handle(post(signed(events.standardSettled())))).status).toBe(503);
  });
});

describe("memory idempotency store", () => {
  const info = { type: "t", digest: "d1" };
  async function claimed(store: IdempotencyStore, key: string): Promise<Claim> {
    const result = await store.claim(key, info);
    if (result.status !== "claimed") throw new Error(`expected a claim on ${key}, got ${result.status}`);
    return result.claim;
  }

  it("remembers a completed claim's digest and result, and lets a lapsed claim be taken over", async () => {
    let now = 0;
    const store = memoryIdempotencyStore({ lockTtlMs: 1000, now: () => now });
    const first = await claimed(store, "a");
    expect(await store.claim("a", info)).toEqual({ status: "in_flight" });
    await first.complete({ outcome: "standard_settled", result: "r" });
    expect(await store.claim("a", info)).toEqual({ status: "completed", digest: "d1", result: "r" });
    const b = await claimed(store, "b");
    now = 1001; // the holder of "b" stopped renewing: its lease lapses
    const takeover = await claimed(store, "b");
    expect(await b.complete({ outcome: "late" })).toBe(false);
    expect(await b.renew()).toBe(false);
    await b.release({ error: new Error("late") });
    expect(await store.claim("b", info)).toEqual({ status: "in_flight" });
    expect(await takeover.complete({ outcome: "x" })).toBe(true);
  });

  it("renewal keeps a claim past its lease", async () => {
    let now = 0;
    const store = memoryIdempotencyStore({ lockTtlMs: 1000, now: () => now });
    const claim = await claimed(store, "a");
    expect(claim.renewEveryMs).toBe(333);
    for (now = 500; now < 5000; now += 500) {
      expect(await claim.renew()).toBe(true);
      expect(await store.claim("a", info)).toEqual({ status: "in_flight" });
    }
  });

  it("stays within maxEntries by forgetting the oldest ids first", async () => {
    const store = memoryIdempotencyStore({ maxEntries: 4 });
    for (const id of ["a", "b", "c"]) await (await claimed(store, id)).complete({ outcome: "x" });
    expect((await store.claim("a", info)).status).toBe("claimed");
    expect((await store.claim("c", info)).status).toBe("completed");
  });

  it("keeps a claim that outlives a generation switch: its completion or release wins over the older copy", async () => {
    const store = memoryIdempotencyStore({ maxEntries: 4 }); // generations of 2
    const x = await claimed(store, "x");
    const y = await claimed(store, "y"); // the generation switches here
    expect(await x.complete({ outcome: "standard_settled" })).toBe(true);
    expect((await store.claim("x", info)).status).toBe("completed");
    expect(await store.claim("y", info)).toEqual({ status: "in_flight" });
    await y.release({ error: new Error("handler threw") });
    expect((await store.claim("y", info)).status).toBe("claimed");
  });

  it("never forgets a claim in flight, however many generations other events rotate through", async () => {
    const store = memoryIdempotencyStore({ maxEntries: 10 });
    const held = await claimed(store, "slow");
    for (let i = 0; i < 100; i++) await (await claimed(store, `other_${i}`)).complete({ outcome: "x" });
    expect(await store.claim("slow", info)).toEqual({ status: "in_flight" });
    expect(await held.complete({ outcome: "x" })).toBe(true);
    expect((await store.claim("slow", info)).status).toBe("completed");
  });

  it("remembers the most recent maxEntries/2 ids under sustained load", async () => {
    const store = memoryIdempotencyStore({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) await (await claimed(store, `e${i}`)).complete({ outcome: "x" });
    for (let i = 9_950; i < 10_000; i++) expect((await store.claim(`e${i}`, info)).status).toBe("completed");
    expect((await store.claim("e0", info)).status).toBe("claimed");
  });
});

describe("a body parser that ran first, on every provider", () => {
  const pomeloKey = { key: "pk_live_7Hq2xLm9", secret: Buffer.from("pomelo-core-secret-0123456789abcdef").toString("base64") };
  const providers = [
    ["siglume", (more: object) => siglumeWebhooks({ ...required, ...more })],
    ["pomelo", (more: object) => pomeloWebhooks({ apiKeys: [pomeloKey], onTokenEvent: () => {}, onOtp: () => {}, onReview: () => {}, ...more })],
    ["cleartx", (more: object) => clearTxWebhooks({ insecureSkipVerification: true, onNotification: () => {}, onReview: () => {}, ...more })],
  ] as const;

  it.each(providers)("%s: a parsed body (BODY_NOT_RAW) or none (RAW_BODY_UNAVAILABLE) is logged once with the fix and reported to onError every time", async (name, make) => {
    const { entries, logger } = recordingLogger();
    const reported: { code?: string; provider: string }[] = [];
    const provider = make({ logger, onError: (error: { code?: string }, info: { provider: string }) => void reported.push({ code: error.code, provider: info.provider }) });
    const handler = createWebhookHandler(provider as WebhookProvider<null>);
    const deliver = (body: unknown) =>
      handler.handle({ method: "POST", header: (h) => (h === "content-type" ? "application/json" : undefined), readBody: () => body, request: null, rawBodyHint: "mount the route before the JSON parser" });
    for (const body of [{ parsed: true }, undefined, { parsed: true }]) {
      const response = await deliver(body);
      expect(response.status).toBe(500);
      expect(JSON.parse(response.body!).error.message).toBe("mount the route before the JSON parser");
    }
    expect(reported).toEqual([
      { code: "BODY_NOT_RAW", provider: provider.name },
      { code: "RAW_BODY_UNAVAILABLE", provider: provider.name },
      { code: "BODY_NOT_RAW", provider: provider.name },
    ]);
    const logged = entries.filter((entry) => entry.level === "error");
    expect(logged, name).toEqual([{ level: "error", message: `${provider.displayName} webhooks cannot be verified: mount the route before the JSON parser`, fields: { provider: provider.name, code: "BODY_NOT_RAW" } }]);
  });
});
