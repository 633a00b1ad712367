// The engine's claim life cycle, through the core handler with real timers: renewal caps, lost claims,
// stores written for the 0.1 interface, and failures that must become answers, never rejections.
import { describe, expect, it } from "vitest";
import {
  createSiglumeWebhookHandler,
  legacyIdempotencyStore,
  memoryIdempotencyStore,
  type IdempotencyStore,
  type LegacyIdempotencyStore,
} from "@siglume-middleware/core";
import { coreRequest } from "../support/core-request.js";
import { SECRET, events, signed } from "../support/events.js";
import { StoreWatch } from "../support/store-watch.js";
import { latch, until } from "../support/timing.js";

const required = { webhookSecret: SECRET, onReview: () => {} };
const codeOf = (response: { body: string | undefined }) => JSON.parse(response.body!).error.code;

describe("a handler that never settles", () => {
  it("keeps its claim renewed up to maxHandlerMs, then reports it and lets the claim lapse, so the event is not lost", async () => {
    // The store's clock moves only when the test moves it, so the lease lapses when the test says and
    // never because the machine stalled; the engine renews it in real time, and the test waits for that.
    const LEASE_MS = 150;
    let now = 0;
    const watch = new StoreWatch();
    const errors: string[] = [];
    let runs = 0;
    const handler = createSiglumeWebhookHandler({
      ...required,
      idempotencyStore: watch.wrap(memoryIdempotencyStore({ lockTtlMs: LEASE_MS, now: () => now })),
      handlerTimeoutMs: 100,
      maxHandlerMs: 1000,
      onError: (error) => void errors.push((error as Error).message),
      onDirectPaymentConfirmed: () => {
        runs += 1;
        return runs === 1 ? new Promise(() => {}) : undefined;
      },
    });
    const delivery = signed(events.standardSettled());
    expect(codeOf(await handler.handle(coreRequest(delivery)))).toBe("HANDLER_TIMEOUT");
    // Past the lease, but renewed: 100 ms on the store's clock after each of two renewals.
    for (let i = 0; i < 2; i++) {
      await watch.nextRenewal();
      now += 100;
    }
    expect(now).toBeGreaterThan(LEASE_MS);
    expect(codeOf(await handler.handle(coreRequest(delivery)))).toBe("EVENT_IN_FLIGHT");
    await until(() => errors.some((message) => /maxHandlerMs/.test(message)), 10_000, "the maxHandlerMs report");
    now += LEASE_MS + 1; // past the lease of every renewal, all made at the earlier clock
    expect((await handler.handle(coreRequest(delivery))).status).toBe(204);
    expect(runs).toBe(2);
  });

  it("when its timeout comes before its claim's first renewal, the claim is still renewed from then on", async () => {
    // handlerTimeoutMs (50 ms) is shorter than the renewal period (a third of the 900 ms lease): the delivery is
    // answered first, and the renewals must still follow. The store's clock moves only when the test moves it.
    const LEASE_MS = 900;
    let now = 0;
    const watch = new StoreWatch();
    let release!: () => void;
    const handler = createSiglumeWebhookHandler({
      ...required,
      idempotencyStore: watch.wrap(memoryIdempotencyStore({ lockTtlMs: LEASE_MS, now: () => now })),
      handlerTimeoutMs: 50,
      onError: () => {},
      onDirectPaymentConfirmed: () => new Promise<void>((resolve) => (release = resolve)),
    });
    const delivery = signed(events.standardSettled());
    expect(codeOf(await handler.handle(coreRequest(delivery)))).toBe("HANDLER_TIMEOUT");
    for (let i = 0; i < 2; i++) {
      await watch.nextRenewal();
      now += LEASE_MS - 1; // within the lease of the renewal just made, past the one before
    }
    expect(codeOf(await handler.handle(coreRequest(delivery)))).toBe("EVENT_IN_FLIGHT");
    release();
    await until(async () => (await handler.handle(coreRequest(delivery))).status === 204, 10_000, "the late completion");
  });
});

describe("a claim lost while its handler ran", () => {
  it("is not acknowledged (503 CLAIM_LOST) and changes nothing the new owner recorded", async () => {
    let now = 0;
    const memory = memoryIdempotencyStore({ lockTtlMs: 1000, now: () => now });
    let release!: () => void;
    const handler = createSiglumeWebhookHandler({
      ...required,
      idempotencyStore: memory,
      onError: () => {},
      onDirectPaymentConfirmed: () => new Promise<void>((resolve) => (release = resolve)),
    });
    const delivery = signed(events.standardSettled());
    const stalled = handler.handle(coreRequest(delivery));
    await until(() => release !== undefined);
    now = 5000; // the process "stalled" past its lease: a redelivery takes the event over
    const takeover = await memory.claim(JSON.parse(delivery.text).id, { type: "t", digest: "x" });
    expect(takeover.status).toBe("claimed");
    release();
    const response = await stalled;
    expect(response.status).toBe(503);
    expect(codeOf(response)).toBe("CLAIM_LOST");
    expect(await memory.claim(JSON.parse(delivery.text).id, { type: "t", digest: "x" })).toEqual({ status: "in_flight" });
  });
});

describe("a store written for the 0.1 interface, wrapped with legacyIdempotencyStore", () => {
  it("keeps working: claims, duplicates, release after a throw", async () => {
    const records = new Map<string, string>();
    const old: LegacyIdempotencyStore = {
      async claim(eventId) {
        const status = records.get(eventId);
        if (status === "completed") return { status: "completed" };
        if (status === "processing") return { status: "in_flight" };
        records.set(eventId, "processing");
        return { status: "claimed" };
      },
      async complete(eventId) {
        records.set(eventId, "completed");
      },
      async release(eventId) {
        records.delete(eventId);
      },
    };
    let calls = 0;
    const handler = createSiglumeWebhookHandler({
      ...required,
      idempotencyStore: legacyIdempotencyStore(old),
      onError: () => {},
      onDirectPaymentConfirmed: () => {
        calls += 1;
        if (calls === 1) throw new Error("first attempt fails");
      },
    });
    const delivery = signed(events.standardSettled());
    expect((await handler.handle(coreRequest(delivery))).status).toBe(500);
    expect((await handler.handle(coreRequest(delivery))).status).toBe(204);
    expect((await handler.handle(coreRequest(delivery))).status).toBe(204);
    expect(calls).toBe(2);
  });
});

describe("failures that are not ours to foresee", () => {
  it("a store answering nonsense is a 500 INTERNAL_ERROR, reported, never a rejected promise", async () => {
    const errors: unknown[] = [];
    const broken = { claim: async () => ({ status: "claimed" }) } as unknown as IdempotencyStore;
    const handler = createSiglumeWebhookHandler({
      ...required,
      idempotencyStore: broken,
      onError: (error) => void errors.push(error),
      onDirectPaymentConfirmed: () => {},
    });
    const response = await handler.handle(coreRequest(signed(events.standardSettled())));
    expect(response.status).toBe(500);
    expect(codeOf(response)).toBe("INTERNAL_ERROR");
    expect(errors).toHaveLength(1);
  });

  it("an async onError that rejects does not change the answer", async () => {
    const handler = createSiglumeWebhookHandler({
      ...required,
      onError: async () => {
        throw new Error("logging backend down");
      },
      onDirectPaymentConfirmed: () => {
        throw new Error("handler failed");
      },
    });
    const original = console.error;
    const logged: unknown[] = [];
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      const response = await handler.handle(coreRequest(signed(events.standardSettled())));
      expect(codeOf(response)).toBe("HANDLER_FAILED");
      await until(() => logged.length === 1);
    } finally {
      console.error = original;
    }
  });

  it("a handler answering a thenable whose `then` throws is a failed run (500, claim released), and the redelivery runs", async () => {
    let runs = 0;
    const errors: unknown[] = [];
    const handler = createSiglumeWebhookHandler({
      ...required,
      onError: (error) => void errors.push(error),
      onDirectPaymentConfirmed: () => {
        runs += 1;
        if (runs > 1) return undefined;
        return {
          get then() {
            throw new Error("broken thenable");
          },
        } as unknown as Promise<void>;
      },
    });
    const delivery = signed(events.standardSettled());
    expect(codeOf(await handler.handle(coreRequest(delivery)))).toBe("HANDLER_FAILED");
    expect(errors).toEqual([expect.objectContaining({ message: "broken thenable" })]);
    expect((await handler.handle(coreRequest(delivery))).status).toBe(204);
    expect(runs).toBe(2);
  });

  it("a store whose renew() throws synchronously neither crashes the process nor loses the delivery", async () => {
    const memory = memoryIdempotencyStore();
    const severalFailed = latch();
    let renewals = 0;
    const store: IdempotencyStore = {
      async claim(key, info) {
        const result = await memory.claim(key, info);
        if (result.status !== "claimed") return result;
        const { claim } = result;
        const renew = (): Promise<boolean> => {
          if (++renewals === 3) severalFailed.release();
          throw new Error("client is closed");
        };
        return { status: "claimed", claim: { renewEveryMs: 20, renew, complete: (i) => claim.complete(i), release: (i) => claim.release(i) } };
      },
    };
    const uncaught: unknown[] = [];
    const record = (error: unknown) => void uncaught.push(error);
    process.on("uncaughtException", record);
    try {
      const paid: string[] = [];
      const errors: string[] = [];
      const handler = createSiglumeWebhookHandler({
        ...required,
        idempotencyStore: store,
        onError: (error) => void errors.push((error as Error).message),
        onDirectPaymentConfirmed: async (payment) => {
          await severalFailed.released; // runs until several renewals have failed
          paid.push(payment.challenge_hash);
        },
      });
      const event = events.standardSettled();
      const response = await handler.handle(coreRequest(signed(event)));
      // Each failed renewal is reported; the claim was still owned at completion, so it is acknowledged once.
      expect(response.status).toBe(204);
      expect(paid).toEqual([event.data.challenge_hash]);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((message) => message === "client is closed")).toBe(true);
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", record);
    }
  });
});
