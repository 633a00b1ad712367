// ClearTX's travel-rule notifications, every case on every adapter (NestJS on both platforms), real HTTP.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { IdempotencyStore } from "@siglume-middleware/core";
import type { ClearTxNotification, ClearTxReview, ClearTxVerifyInput } from "@siglume-middleware/cleartx";
import { clearTxRequest, clearTxTestSigner, type ClearTxRequest } from "@siglume-middleware/testing";
import type { RunningApp } from "./support/apps.js";
import { recordingLogger } from "./support/logger.js";
import { providerAdapters, type ClearTxHarnessOptions } from "./support/provider-apps.js";
import { latch, until } from "./support/timing.js";

const signer = clearTxTestSigner("cleartx-conformance-secret");
const RECEIVED = { status: "received" };

/** Records every dispatch and what verify saw; `fail` makes a transfer's handler throw (per transactionRef). */
function recorder(overrides: Partial<ClearTxHarnessOptions> = {}) {
  const calls = {
    notifications: [] as ClearTxNotification[],
    confirmedData: [] as Record<string, unknown>[],
    reviews: [] as ClearTxReview[],
    errors: [] as unknown[],
    verified: [] as { rawBody: Buffer; headers: Record<string, unknown>; route: string; path: string }[],
  };
  const fail = new Map<string, () => unknown>();
  const { entries, logger } = recordingLogger();
  const options: ClearTxHarnessOptions = {
    verify(input: ClearTxVerifyInput) {
      calls.verified.push({ rawBody: Buffer.from(input.rawBody), headers: { ...input.headers }, route: input.route, path: input.path });
      return signer.verify(input);
    },
    logger,
    onError: (error) => void calls.errors.push(error),
    async onNotification(notification) {
      fail.get(notification.transactionRef)?.();
      calls.notifications.push(notification);
    },
    async onConfirmedData(notification) {
      calls.confirmedData.push(notification);
    },
    async onReview(review) {
      calls.reviews.push(review);
    },
    ...overrides,
  };
  return { calls, fail, options, entries };
}

const signed = (kind: Parameters<typeof clearTxRequest>[0], overrides?: Parameters<typeof clearTxRequest>[1], basePath?: string) =>
  clearTxRequest(kind, overrides, { sign: signer.sign, basePath });

function deliver(app: RunningApp, delivery: ClearTxRequest, path = delivery.path) {
  return request(app.url).post(path).set(delivery.headers).send(delivery.text);
}

const refOf = (delivery: ClearTxRequest) => (JSON.parse(delivery.text) as { transactionRef: string }).transactionRef;

describe.each(providerAdapters)("ClearTX conformance: $name", (adapter) => {
  // Nest's JSON parser runs before any module code: a body that is not JSON gets Nest's own 400 there.
  const { frameworkParsesFirst } = adapter;
  const main = recorder();
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.startClearTx(main.options);
  });
  afterAll(() => app?.close());

  it("hands each status at its endpoint to onNotification with its fields, answering 200 {status: received}", async () => {
    const sent = {
      CONFIRMED: signed("confirmed"),
      DECLINED: signed("declined"),
      REJECTED: signed("rejected"),
      BROADCASTED: signed("broadcasted"),
    };
    for (const delivery of Object.values(sent)) {
      const res = await deliver(app, delivery);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(res.body).toEqual(RECEIVED);
    }
    const received = (status: string) => main.calls.notifications.find((n) => n.transactionRef === refOf(sent[status as keyof typeof sent]));
    const confirmed = received("CONFIRMED");
    expect(confirmed).toEqual(JSON.parse(sent.CONFIRMED.text));
    expect(confirmed?.status).toBe("CONFIRMED");
    const declined = received("DECLINED");
    if (declined?.status !== "DECLINED") throw new Error("no DECLINED notification");
    expect(declined.reason).toEqual({ category: "COMPLIANCE_CHECK_FAILED", description: expect.any(String) });
    const rejected = received("REJECTED");
    if (rejected?.status !== "REJECTED") throw new Error("no REJECTED notification");
    expect(rejected.reason.category).toBe("SANCTIONS_MATCH");
    const broadcasted = received("BROADCASTED");
    if (broadcasted?.status !== "BROADCASTED") throw new Error("no BROADCASTED notification");
    expect(broadcasted.transactionBlockchainInfo.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(main.calls.reviews).toEqual([]);
  });

  it("hands /confirmed-data to onConfirmedData with its IVMS.101 part as sent; /confirmed and /confirmed-data of one transfer are two events", async () => {
    const confirmed = signed("confirmed");
    const data = signed("confirmed-data", { transactionRef: refOf(confirmed), status: "SOMETHING_UNDOCUMENTED" });
    expect((await deliver(app, confirmed)).body).toEqual(RECEIVED);
    const res = await deliver(app, data);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(RECEIVED);
    const handed = main.calls.confirmedData.find((d) => d.transactionRef === refOf(confirmed));
    expect(handed).toEqual(JSON.parse(data.text));
    expect((handed?.ivms101 as { originator: unknown }).originator).toBeDefined();
    expect(main.calls.notifications.filter((n) => n.transactionRef === refOf(confirmed))).toHaveLength(1);
  });

  it("gives verify the exact bytes and the headers, before parsing anything", async () => {
    // Spacing, key order and escapes a parser would not keep; a header a verifier might need.
    const text = `{ "status":"CONFIRMED",\n  "transactionRef": "${randomUUID()}", "protocol":"BASIC",` +
      ` "originatorVASPdid":"did:web:a.example\\/x", "beneficiaryVASPdid":"did:web:b.example" }`;
    const delivery = clearTxRequest("confirmed", text, { sign: (body) => ({ ...signer.sign(body), "x-cleartx-key-id": "k-2" }) });
    const before = main.calls.verified.length;
    expect((await deliver(app, delivery)).status).toBe(200);
    const seen = main.calls.verified[before]!;
    expect(seen.rawBody.equals(delivery.body)).toBe(true);
    expect(seen.headers["x-cleartx-key-id"]).toBe("k-2");
    expect(seen.headers["x-test-signature"]).toBe(delivery.headers["x-test-signature"]);
    expect(seen.route).toBe("confirmed");
    expect(seen.path).toBe("/v1/notify/confirmed");
    // Unsigned and unreadable (no transactionRef, wrong status): refused by verify (401), never reviewed.
    const reviewsBefore = main.calls.reviews.length;
    const forged = clearTxRequest("confirmed", '{"status":"DECLINED"}');
    expect((await deliver(app, forged)).status).toBe(401);
    expect(main.calls.reviews).toHaveLength(reviewsBefore);
  });

  it("refuses with 401 CLEARTX_VERIFICATION_FAILED when verify returns false; nothing runs, the body is not echoed", async () => {
    const delivery = clearTxRequest("confirmed", undefined, { sign: clearTxTestSigner("another-secret").sign });
    const res = await deliver(app, delivery);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("CLEARTX_VERIFICATION_FAILED");
    expect(res.body.error.message).toMatch(/verify function returned false/);
    expect(res.text).not.toContain(refOf(delivery));
    const unsigned = clearTxRequest("confirmed");
    expect((await deliver(app, unsigned)).body.error.code).toBe("CLEARTX_VERIFICATION_FAILED");
    // A signature over other bytes (the body re-serialised on the way) is refused the same way.
    const reserialised = JSON.stringify(JSON.parse(delivery.text), null, 2);
    expect((await deliver(app, { ...signed("confirmed"), text: reserialised })).status).toBe(401);
    const refused = [delivery, unsigned].map(refOf);
    expect(main.calls.notifications.filter((n) => refused.includes(n.transactionRef))).toEqual([]);
  });

  it("answers review-bound notifications 200 too: a status at the wrong endpoint goes to onReview, never onNotification", async () => {
    const declined = signed("declined");
    const res = await deliver(app, declined, "/v1/notify/confirmed");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(RECEIVED);
    const review = main.calls.reviews.find((r) => r.transactionRef === refOf(declined));
    expect(review).toMatchObject({ reason: "status_mismatch", field: "status", route: "confirmed" });
    expect(review?.message).toMatch(/"status" is "DECLINED", but the confirmed endpoint receives "CONFIRMED"/);
    expect(review?.payload).toEqual(JSON.parse(declined.text));
    expect(main.calls.notifications.map((n) => n.transactionRef)).not.toContain(refOf(declined));
    // The same notification at its own endpoint is a different event, handled normally.
    expect((await deliver(app, declined)).status).toBe(200);
    expect(main.calls.notifications.filter((n) => n.transactionRef === refOf(declined))).toHaveLength(1);
  });

  it.each([
    ["confirmed", "no beneficiaryVASPdid", { beneficiaryVASPdid: undefined }, "beneficiaryVASPdid", /"beneficiaryVASPdid" is missing/],
    ["declined", "a numeric reason.category", { reason: { category: 7 } }, "reason.category", /"reason.category" must be a string/],
    ["rejected", "no reason", { reason: undefined }, "reason", /"reason" is missing/],
    ["broadcasted", "no txHash", { transactionBlockchainInfo: { txHash: undefined } }, "transactionBlockchainInfo.txHash", /"transactionBlockchainInfo.txHash" is missing/],
    ["confirmed", "a null protocol", { protocol: null }, "protocol", /"protocol" must be a string/],
  ] as const)("reviews a %s notification with %s: 200, the field named, onNotification not called", async (kind, _label, overrides, field, message) => {
    const delivery = signed(kind, overrides as never);
    const res = await deliver(app, delivery);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(RECEIVED);
    const review = main.calls.reviews.find((r) => r.transactionRef === refOf(delivery));
    expect(review).toMatchObject({ reason: "invalid_payload", field, route: kind });
    expect(review?.message).toMatch(message);
    expect(main.calls.notifications.map((n) => n.transactionRef)).not.toContain(refOf(delivery));
  });

  it("reviews a notification without a usable transactionRef, or not JSON, once per body however often it comes", async () => {
    const noRef = signed("confirmed", { transactionRef: "not-a-uuid" });
    const notJson = clearTxRequest("broadcasted", "{ truncated", { sign: signer.sign });
    const before = main.calls.reviews.length;
    for (let i = 0; i < 3; i++) {
      expect((await deliver(app, noRef)).body).toEqual(RECEIVED);
      const res = await deliver(app, notJson);
      expect(res.status).toBe(frameworkParsesFirst ? 400 : 200);
      if (!frameworkParsesFirst) expect(res.body).toEqual(RECEIVED);
    }
    const added = main.calls.reviews.slice(before);
    expect(added.map((r) => [r.reason, r.field, r.route])).toEqual([
      ["invalid_payload", "transactionRef", "confirmed"],
      ...(frameworkParsesFirst ? [] : [["invalid_json", undefined, "broadcasted"]]),
    ]);
    expect(added[0]!.transactionRef).toBeUndefined();
    if (!frameworkParsesFirst) expect(added[1]!.rawBody).toBe("{ truncated");
  });

  it("runs a notification ClearTX delivers 3 times once, answering each 200", async () => {
    const delivery = signed("broadcasted");
    for (let i = 0; i < 3; i++) {
      const res = await deliver(app, delivery);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(RECEIVED);
    }
    expect(main.calls.notifications.filter((n) => n.transactionRef === refOf(delivery))).toHaveLength(1);
  });

  it("reviews a transfer's notification that comes again with another body, once, without running onNotification again", async () => {
    const first = signed("confirmed");
    const altered = signed("confirmed", { transactionRef: refOf(first), beneficiaryVASPdid: "did:web:someone-else.example" });
    expect((await deliver(app, first)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await deliver(app, altered)).body).toEqual(RECEIVED);
    expect(main.calls.notifications.filter((n) => n.transactionRef === refOf(first))).toHaveLength(1);
    const reviews = main.calls.reviews.filter((r) => r.transactionRef === refOf(first));
    expect(reviews.map((r) => r.reason)).toEqual(["transaction_ref_reused"]);
    expect(reviews[0]!.payload).toEqual(JSON.parse(altered.text));
    // The body as received, as text, on every adapter (a Uint8Array body must not become "123,34,…").
    expect(reviews[0]!.rawBody).toBe(altered.text);
  });

  it("answers 500 HANDLER_FAILED when the handler throws, so ClearTX retries, and runs it again on the retry", async () => {
    const delivery = signed("declined");
    let attempts = 0;
    main.fail.set(refOf(delivery), () => {
      if (attempts++ === 0) throw new Error("compliance ledger unavailable");
    });
    const errorsBefore = main.calls.errors.length;
    const first = await deliver(app, delivery);
    expect(first.status).toBe(500);
    expect(first.body.error.code).toBe("HANDLER_FAILED");
    expect(first.text).not.toContain("ledger");
    expect(main.calls.errors.length).toBe(errorsBefore + 1);
    const retry = await deliver(app, delivery);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(RECEIVED);
    expect(attempts).toBe(2);
    expect(main.calls.notifications.filter((n) => n.transactionRef === refOf(delivery))).toHaveLength(1);
  });

  it("refuses with 401 CLEARTX_VERIFIER_FAILED when verify throws, tells onError, and does not repeat its message", async () => {
    const throwing = recorder({
      async verify() {
        throw new Error("key service said: secret-detail-123");
      },
    });
    const throwingApp = await adapter.startClearTx(throwing.options);
    try {
      const delivery = signed("confirmed");
      const res = await deliver(throwingApp, delivery);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("CLEARTX_VERIFIER_FAILED");
      expect(res.body.error.message).toMatch(/verify function threw/);
      expect(res.text).not.toContain("secret-detail");
      expect(throwing.calls.errors).toHaveLength(1);
      expect(String(throwing.calls.errors[0])).toContain("secret-detail-123");
      expect(throwing.calls.notifications).toEqual([]);
      expect(throwing.calls.reviews).toEqual([]);
    } finally {
      await throwingApp.close();
    }
  });

  it("answers 503 CLEARTX_VERIFIER_TIMEOUT with Retry-After when an async verify does not settle in verifyTimeoutMs; nothing runs; onError is told", async () => {
    let release!: (value: boolean) => void;
    let first = true;
    // The first request's verify never settles until the test settles it; later ones verify at once.
    const stuck = recorder({
      verifyTimeoutMs: 150,
      retryAfterSeconds: 7,
      verify: (input) => {
        if (!first) return signer.verify(input);
        first = false;
        return new Promise<boolean>((resolve) => (release = resolve));
      },
    });
    const stuckApp = await adapter.startClearTx(stuck.options);
    try {
      const delivery = signed("confirmed");
      const res = await deliver(stuckApp, delivery);
      expect(res.status).toBe(503);
      expect(res.headers["retry-after"]).toBe("7"); // the engine's retryAfterSeconds, like its other retry answers
      expect(res.body.error.code).toBe("CLEARTX_VERIFIER_TIMEOUT");
      expect(res.body.error.message).toMatch(/did not answer within 150 ms/);
      expect(String(stuck.calls.errors[0])).toMatch(/verify did not settle within 150 ms/);
      release(true); // settling afterwards changes nothing
      // The next request is answered after anything the settled verify could still have set off.
      const next = signed("confirmed");
      expect((await deliver(stuckApp, next)).body).toEqual(RECEIVED);
      expect(stuck.calls.notifications.map((n) => n.transactionRef)).toEqual([refOf(next)]);
      expect(stuck.calls.reviews).toEqual([]);
    } finally {
      await stuckApp.close();
    }
  });

  it("never logs a payload: reviews and failures log the endpoint, a code and the transactionRef only", async () => {
    // Default onError (the logger), a handler that fails once, and reviews of every kind.
    let failed = false;
    const quiet = recorder({
      onError: undefined,
      async onNotification() {
        if (!failed) {
          failed = true;
          throw new Error("handler failed");
        }
      },
      onConfirmedData: undefined,
    });
    const quietApp = await adapter.startClearTx(quiet.options);
    const markers = ["did:web:originator.example", "did:web:beneficiary.example", "Yılmaz", "Ayşe", "Demir", "screening", "0x"];
    try {
      const deliveries = [
        signed("rejected"),
        signed("declined", { reason: { description: undefined } }),
        signed("broadcasted"),
        clearTxRequest("confirmed", '{"originatorVASPdid":"did:web:originator.example"}', { sign: signer.sign }),
        signed("confirmed-data"),
        signed("rejected", undefined),
      ];
      for (const delivery of deliveries) await deliver(quietApp, delivery);
      await deliver(quietApp, deliveries[0]!); // the retry after the failure
      await until(() => quiet.calls.reviews.length === 3, 5000, "three reviews");
      expect(quiet.calls.reviews.map((r) => r.reason).sort()).toEqual(["invalid_payload", "invalid_payload", "unhandled_confirmed_data"]);
      const logged = JSON.stringify(quiet.entries);
      for (const marker of markers) expect(logged).not.toContain(marker);
      const reviewLines = quiet.entries.filter((e) => e.message.includes("review"));
      expect(reviewLines).toHaveLength(3);
      for (const line of reviewLines) {
        expect(Object.keys(line.fields ?? {}).sort()).toEqual(["code", "provider", "route", "transactionRef"]);
      }
      const unhandled = reviewLines.find((l) => l.fields?.code === "unhandled_confirmed_data");
      expect(unhandled?.fields).toEqual({ provider: "cleartx", route: "confirmed-data", code: "unhandled_confirmed_data", transactionRef: refOf(deliveries[4]!) });
    } finally {
      await quietApp.close();
    }
  });

  it("answers 503 STORE_UNAVAILABLE when the store is down, and 503 HANDLER_TIMEOUT past handlerTimeoutMs, so ClearTX retries", async () => {
    const down: IdempotencyStore = {
      claim: () => Promise.reject(new Error("connection refused")),
    };
    const slow = recorder({ idempotencyStore: down });
    const downApp = await adapter.startClearTx(slow.options);
    try {
      const res = await deliver(downApp, signed("confirmed"));
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("STORE_UNAVAILABLE");
      expect(res.headers["retry-after"]).toBe("5");
    } finally {
      await downApp.close();
    }
    const handlerDone = latch();
    const hanging = recorder({ handlerTimeoutMs: 150, onNotification: () => handlerDone.released });
    const hangingApp = await adapter.startClearTx(hanging.options);
    try {
      const res = await deliver(hangingApp, signed("confirmed"));
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("HANDLER_TIMEOUT");
    } finally {
      handlerDone.release();
      await hangingApp.close();
    }
  });

  it("mounts the five endpoints below basePath, and starts unverified only with insecureSkipVerification (warned at start-up)", async () => {
    const open = recorder({ verify: undefined, insecureSkipVerification: true, basePath: "/travel-rule/" });
    const openApp = await adapter.startClearTx(open.options);
    try {
      const delivery = clearTxRequest("rejected", undefined, { basePath: "/travel-rule" });
      expect(delivery.path).toBe("/travel-rule/rejected");
      expect((await deliver(openApp, delivery)).body).toEqual(RECEIVED);
      expect(open.calls.notifications.map((n) => n.transactionRef)).toEqual([refOf(delivery)]);
      expect((await deliver(openApp, delivery, "/v1/notify/rejected")).status).toBe(404);
      const warning = open.entries.find((e) => e.level === "warn" && e.fields?.code === "CLEARTX_VERIFICATION_SKIPPED");
      expect(warning?.message).toMatch(/NOT verified/);
    } finally {
      await openApp.close();
    }
  });

  it("refuses other methods and media types like every provider", async () => {
    expect((await request(app.url).get("/v1/notify/confirmed")).status).toBe(405);
    const delivery = signed("confirmed");
    const res = await request(app.url).post(delivery.path).set({ ...delivery.headers, "content-type": "text/plain" }).send(delivery.text);
    expect(res.status).toBe(415);
  });
});
