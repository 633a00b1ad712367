import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { DirectPaymentConfirmation, SiglumeContext, SiglumeEvent, SiglumeReview } from "@siglume-middleware/core";
import { adapters, type HarnessOptions, type RunningApp } from "./support/apps.js";
import { SECRET, events, signed, type SignedRequest } from "./support/events.js";
import { recordingLogger } from "./support/logger.js";
import { latch } from "./support/timing.js";

/** Records every dispatch so cases can assert who ran, how often and with what. */
function recorder(overrides: Partial<HarnessOptions> = {}) {
  const calls = {
    confirmed: [] as { confirmation: DirectPaymentConfirmation; ctx: SiglumeContext }[],
    review: [] as SiglumeReview[],
    spent: [] as SiglumeEvent[],
    other: [] as SiglumeEvent[],
    probes: [] as SiglumeEvent[],
    errors: [] as unknown[],
  };
  /** Event ids whose next confirmed dispatch throws once. */
  const failOnce = new Set<string>();
  /** Event ids whose confirmed dispatch waits until the test's promise resolves. */
  const holds = new Map<string, Promise<void>>();
  const options: HarnessOptions = {
    webhookSecret: SECRET,
    async onDirectPaymentConfirmed(confirmation, ctx) {
      calls.confirmed.push({ confirmation, ctx: ctx as SiglumeContext });
      if (failOnce.delete(confirmation.event.id)) throw new Error("database is down (internal detail)");
      await holds.get(confirmation.event.id);
    },
    onReview: (review) => void calls.review.push(review),
    onDirectPaymentSpent: (event) => void calls.spent.push(event),
    onEvent: (event) => void calls.other.push(event),
    onReadinessProbe: (event) => void calls.probes.push(event),
    onError: (error) => void calls.errors.push(error),
    ...overrides,
  };
  const dispatchesFor = (id: string) =>
    calls.confirmed.filter((c) => c.confirmation.event.id === id).length +
    calls.review.filter((r) => r.event.id === id).length;
  return { calls, options, failOnce, holds, dispatchesFor };
}

const PATH = "/webhooks/siglume";

function deliver(app: RunningApp, delivery: SignedRequest, path = PATH) {
  // As text: superagent would JSON-encode a Buffer sent with a JSON content type.
  return request(app.url).post(path).set(delivery.headers).send(delivery.text);
}

describe.each(adapters)("conformance: $name", (adapter) => {
  const standard = recorder();
  const metered = recorder({ allowMeteredPayments: true });
  let app: RunningApp;
  let meteredApp: RunningApp;

  beforeAll(async () => {
    app = await adapter.start(standard.options);
    meteredApp = await adapter.start(metered.options);
  });
  afterAll(async () => {
    await app?.close();
    await meteredApp?.close();
  });

  it("fulfils a settled Standard payment once and answers 204 with no body", async () => {
    const event = events.standardSettled();
    const res = await deliver(app, signed(event));
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    const call = standard.calls.confirmed.find((c) => c.confirmation.event.id === event.id);
    expect(call?.confirmation.kind).toBe("standard_settled");
    expect(call?.confirmation).toMatchObject({
      challenge_hash: event.data.challenge_hash,
      chain_receipt_id: event.data.chain_receipt_id,
    });
    expect(call?.ctx.event.id).toBe(event.id);
    expect(call?.ctx.request).toBeTruthy();
  });

  it("accepts application/json with a charset parameter", async () => {
    const event = events.standardSettled();
    const res = await deliver(app, signed(event, { contentType: "application/json; charset=utf-8" }));
    expect(res.status).toBe(204);
    expect(standard.dispatchesFor(event.id)).toBe(1);
  });

  it("acknowledges a redelivered event without dispatching it again", async () => {
    const delivery = signed(events.standardSettled());
    const id = JSON.parse(delivery.body.toString()).id;
    expect((await deliver(app, delivery)).status).toBe(204);
    expect((await deliver(app, delivery)).status).toBe(204);
    expect((await deliver(app, signed(delivery.body))).status).toBe(204);
    expect(standard.dispatchesFor(id)).toBe(1);
  });

  it("dispatches 40 concurrent copies of one event exactly once, answering only 204 or 409", async () => {
    const event = events.standardSettled();
    const delivery = signed(event);
    // The copy that claims the event runs until the 39 others have been answered: every copy overlaps it.
    const held = latch();
    standard.holds.set(event.id, held.released);
    let answered = 0;
    const responses = await Promise.all(
      Array.from({ length: 40 }, () =>
        deliver(app, delivery).then((res) => {
          if (++answered === 39) held.release();
          return res;
        }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 204 || s === 409), statuses.join(",")).toBe(true);
    expect(statuses).toContain(204);
    for (const res of responses.filter((r) => r.status === 409)) {
      expect(res.headers["retry-after"]).toMatch(/^\d+$/);
      expect(res.body.error.code).toBe("EVENT_IN_FLIGHT");
    }
    expect(standard.dispatchesFor(event.id)).toBe(1);
    expect((await deliver(app, delivery)).status).toBe(204);
    expect(standard.dispatchesFor(event.id)).toBe(1);
  });

  it("refuses a tampered body with 401 SIGNATURE_MISMATCH and dispatches nothing", async () => {
    const event = events.standardSettled();
    const delivery = signed(event);
    const tampered = delivery.text.replace('"amount_minor":1200', '"amount_minor":9');
    expect(tampered).not.toBe(delivery.text);
    const res = await deliver(app, { ...delivery, text: tampered });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("SIGNATURE_MISMATCH");
    expect(res.body.error.message).toMatch(/secret/);
    expect(standard.dispatchesFor(event.id)).toBe(0);
  });

  it("refuses the wrong secret with 401 and accepts any of several secrets during rotation", async () => {
    const event = events.standardSettled();
    const res = await deliver(app, signed(event, { secret: "whsec_someone_else" }));
    expect(res.status).toBe(401);
    expect(standard.dispatchesFor(event.id)).toBe(0);
    const rotated = recorder({ webhookSecret: ["whsec_new", SECRET] });
    const rotatedApp = await adapter.start(rotated.options);
    try {
      expect((await deliver(rotatedApp, signed(event))).status).toBe(204);
      expect((await deliver(rotatedApp, signed(events.standardSettled(), { secret: "whsec_new" }))).status).toBe(204);
      expect(rotated.calls.confirmed).toHaveLength(2);
    } finally {
      await rotatedApp.close();
    }
  });

  it("refuses a stale signature with 401 TIMESTAMP_OUT_OF_TOLERANCE", async () => {
    const event = events.standardSettled();
    const res = await deliver(app, signed(event, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("TIMESTAMP_OUT_OF_TOLERANCE");
    expect(res.body.error.message).toMatch(/clock/);
    expect(standard.dispatchesFor(event.id)).toBe(0);
  });

  it("refuses a missing signature header with 400 SIGNATURE_HEADER_MISSING", async () => {
    const event = events.standardSettled();
    const res = await request(app.url).post(PATH).set("content-type", "application/json").send(JSON.stringify(event));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("SIGNATURE_HEADER_MISSING");
    expect(standard.dispatchesFor(event.id)).toBe(0);
  });

  it("refuses a malformed signature header with 400 SIGNATURE_HEADER_MALFORMED", async () => {
    const delivery = signed(events.standardSettled());
    const res = await deliver(app, { ...delivery, headers: { ...delivery.headers, "siglume-signature": "garbage" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("SIGNATURE_HEADER_MALFORMED");
  });

  it("refuses text/plain with 415 UNSUPPORTED_MEDIA_TYPE even when correctly signed", async () => {
    const event = events.standardSettled();
    const res = await deliver(app, signed(event, { contentType: "text/plain" }));
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(standard.dispatchesFor(event.id)).toBe(0);
  });

  it("refuses a 2 MiB body with 413", async () => {
    const event = events.standardSettled({ data: { padding: "x".repeat(2 * 1024 * 1024) } });
    const res = await deliver(app, signed(event));
    expect(res.status).toBe(413);
    if (!adapter.frameworkParsesFirst) expect(res.body.error.code).toBe("BODY_TOO_LARGE");
    expect(standard.dispatchesFor(event.id)).toBe(0);
  });

  it("refuses a signed body that is not JSON with 400 PAYLOAD_INVALID_JSON", async () => {
    const res = await deliver(app, signed(Buffer.from("{not json")));
    expect(res.status).toBe(400);
    if (!adapter.frameworkParsesFirst) expect(res.body.error.code).toBe("PAYLOAD_INVALID_JSON");
  });

  it("reads a signed body that starts with a UTF-8 byte order mark the same way on every runtime: 400 PAYLOAD_INVALID_JSON", async () => {
    // As Siglume's reference verifier does (JSON text has no BOM); a runtime that dropped it would run the event.
    const event = events.standardSettled();
    const res = await deliver(app, signed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(event))])));
    expect(res.status).toBe(400);
    if (!adapter.frameworkParsesFirst) expect(res.body.error.code).toBe("PAYLOAD_INVALID_JSON");
    expect(standard.dispatchesFor(event.id)).toBe(0);
  });

  it("refuses a signed JSON body that is not an event with 400 PAYLOAD_INVALID_EVENT", async () => {
    const res = await deliver(app, signed(Buffer.from('{"id":"x","type":"t","api_version":"v","occurred_at":"o","data":[]}')));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("PAYLOAD_INVALID_EVENT");
  });

  it("refuses ids with NUL, a lone surrogate or 10 KB with 400 PAYLOAD_INVALID_EVENT before touching the store", async () => {
    let claims = 0;
    const counted = recorder({
      idempotencyStore: {
        claim: async () => {
          claims += 1;
          return { status: "in_flight" };
        },
      },
    });
    const countingApp = await adapter.start(counted.options);
    try {
      for (const id of ["evt_\u0000nul", "evt_\ud800lone", "\udc00", "x".repeat(10_000), "evt_\u0085next_line"]) {
        const res = await deliver(countingApp, signed(events.standardSettled({ id })));
        expect(res.status, JSON.stringify(id.slice(0, 12))).toBe(400);
        expect(res.body.error.code).toBe("PAYLOAD_INVALID_EVENT");
        expect(res.body.error.message).toMatch(/"id"/);
      }
      // The type labels the store's record: a NUL there is refused the same way.
      const badType = await deliver(countingApp, signed(events.standardSettled({ type: "direct_payment.confirmed\u0000" })));
      expect(badType.status).toBe(400);
      expect(badType.body.error.message).toMatch(/"type"/);
      expect(claims).toBe(0);
      expect(counted.calls.confirmed).toEqual([]);
      // A long but acceptable id, with a well-formed surrogate pair, is handled.
      const fine = events.standardSettled({ id: `evt_😀_${"x".repeat(240)}` });
      expect((await deliver(countingApp, signed(fine))).status).toBe(409);
      expect(claims).toBe(1);
    } finally {
      await countingApp.close();
    }
  });

  it("sends an id reused with another signed body to review once (event_id_reused), never taking it for a duplicate", async () => {
    const original = events.standardSettled();
    expect((await deliver(app, signed(original))).status).toBe(204);
    const reused = events.standardSettled({ id: original.id });
    expect(reused.data.challenge_hash).not.toBe(original.data.challenge_hash);
    expect((await deliver(app, signed(reused))).status).toBe(204);
    expect((await deliver(app, signed(reused))).status).toBe(204);
    expect((await deliver(app, signed(original))).status).toBe(204);
    const reviews = standard.calls.review.filter((r) => r.event.id === original.id);
    expect(reviews.map((r) => r.reason)).toEqual(["event_id_reused"]);
    expect(reviews[0]!.event.data.challenge_hash).toBe(reused.data.challenge_hash);
    const fulfilled = standard.calls.confirmed.filter((c) => c.confirmation.event.id === original.id);
    expect(fulfilled.map((c) => c.confirmation.event.data.challenge_hash)).toEqual([original.data.challenge_hash]);
  });

  it("answers 405 with Allow: POST for other methods on the webhook path", async () => {
    const res = await request(app.url).get(PATH);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("POST");
    expect(res.body.error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("leaves the host app's other routes and JSON parsing alone", async () => {
    expect((await request(app.url).get("/health")).body).toEqual({ ok: true });
    const echoed = await request(app.url).post("/echo").send({ hello: "world" });
    expect(echoed.status).toBeLessThan(300);
    expect(echoed.body).toEqual({ hello: "world" });
  });

  it("sends metered usage to review (metered_integration_required) when metered payments are not opted in", async () => {
    for (const event of [events.meteredUsageAccepted(), events.meteredBatchSettled()]) {
      expect((await deliver(app, signed(event))).status).toBe(204);
      expect(standard.calls.confirmed.some((c) => c.confirmation.event.id === event.id)).toBe(false);
      const review = standard.calls.review.find((r) => r.event.id === event.id);
      expect(review?.reason).toBe("metered_integration_required");
      expect(review?.confirmation.kind).not.toBe("standard_settled");
    }
  });

  it("gives metered usage and settled batches to the confirmed handler when opted in", async () => {
    const usage = events.meteredUsageAccepted();
    const batch = events.meteredBatchSettled();
    expect((await deliver(meteredApp, signed(usage))).status).toBe(204);
    expect((await deliver(meteredApp, signed(batch))).status).toBe(204);
    const kinds = metered.calls.confirmed
      .filter((c) => [usage.id, batch.id].includes(c.confirmation.event.id))
      .map((c) => c.confirmation.kind);
    expect(kinds).toEqual(["metered_usage_accepted", "metered_batch_settled"]);
    expect(metered.calls.review.filter((r) => [usage.id, batch.id].includes(r.event.id))).toEqual([]);
  });

  it("sends an unknown confirmation shape to review with the classifier's reason", async () => {
    const event = events.unknown("missing_standard_settlement_fields");
    expect((await deliver(app, signed(event))).status).toBe(204);
    expect(standard.calls.review.find((r) => r.event.id === event.id)?.reason).toBe(
      "missing_standard_settlement_fields",
    );
    expect(standard.calls.confirmed.some((c) => c.confirmation.event.id === event.id)).toBe(false);
  });

  it("acknowledges a readiness probe without any payment handler", async () => {
    const event = events.readinessProbe();
    const res = await deliver(app, signed(event));
    expect(res.status).toBe(204);
    expect(standard.dispatchesFor(event.id)).toBe(0);
    expect(standard.calls.probes.map((e) => e.id)).toContain(event.id);
  });

  it("gives direct_payment.spent to the spent handler", async () => {
    const event = events.spent();
    expect((await deliver(app, signed(event))).status).toBe(204);
    expect(standard.calls.spent.map((e) => e.id)).toContain(event.id);
    expect(standard.dispatchesFor(event.id)).toBe(0);
  });

  it("gives other event types to the catch-all handler", async () => {
    const event = events.unknown("not_direct_payment_confirmed");
    expect((await deliver(app, signed(event))).status).toBe(204);
    expect(standard.calls.other.map((e) => e.id)).toContain(event.id);
  });

  it("answers 500 HANDLER_FAILED without leaking the error when a handler throws, and runs it again on redelivery", async () => {
    const event = events.standardSettled();
    standard.failOnce.add(event.id);
    const errorsBefore = standard.calls.errors.length;
    const first = await deliver(app, signed(event));
    expect(first.status).toBe(500);
    expect(first.body.error.code).toBe("HANDLER_FAILED");
    expect(first.text).not.toContain("internal detail");
    expect(standard.calls.errors.length).toBe(errorsBefore + 1);
    const retry = await deliver(app, signed(event));
    expect(retry.status).toBe(204);
    expect(standard.dispatchesFor(event.id)).toBe(2);
    expect((await deliver(app, signed(event))).status).toBe(204);
    expect(standard.dispatchesFor(event.id)).toBe(2);
  });

  it(`with the host's JSON parser first: ${adapter.parserFirst === "handled" ? "verifies the kept raw bytes" : "answers 500 RAW_BODY_UNAVAILABLE, never 401"}`, async () => {
    const local = recorder({ logger: recordingLogger().logger });
    const parserFirstApp = await adapter.startWithParserFirst(local.options);
    try {
      const event = events.standardSettled();
      const res = await deliver(parserFirstApp, signed(event));
      if (adapter.parserFirst === "handled") {
        expect(res.status).toBe(204);
        expect(local.dispatchesFor(event.id)).toBe(1);
      } else {
        expect(res.status).toBe(500);
        expect(res.body.error.code).toBe("RAW_BODY_UNAVAILABLE");
        expect(res.body.error.message).toMatch(/rawBody|before/);
        expect(local.dispatchesFor(event.id)).toBe(0);
      }
    } finally {
      await parserFirstApp.close();
    }
  });

  it("with the host's JSON parser first, configured to keep the raw bytes: verifies them and fulfils once", async () => {
    const local = recorder();
    const keepingApp = await adapter.startWithParserKeepingBytes(local.options);
    try {
      const event = events.standardSettled();
      expect((await deliver(keepingApp, signed(event))).status).toBe(204);
      expect(local.dispatchesFor(event.id)).toBe(1);
      const tampered = signed(event);
      const res = await deliver(keepingApp, { ...tampered, text: tampered.text.replace("1200", "9") });
      expect(res.status).toBe(401);
    } finally {
      await keepingApp.close();
    }
  });
});

describe.each(adapters.filter((adapter) => adapter.startWithBytesLost !== undefined))("conformance, a body parser first that keeps no bytes: $name", (adapter) => {
  it("answers 500 RAW_BODY_UNAVAILABLE naming the fix, logs the fix once through the logger, reports every such delivery to onError", async () => {
    const { entries, logger } = recordingLogger();
    const local = recorder({ logger });
    const lostApp = await adapter.startWithBytesLost!(local.options);
    try {
      for (const event of [events.standardSettled(), events.standardSettled()]) {
        const res = await deliver(lostApp, signed(event));
        expect(res.status).toBe(500);
        expect(res.body.error).toMatchObject({ code: "RAW_BODY_UNAVAILABLE", message: expect.stringMatching(/rawBody|before/) });
        expect(local.dispatchesFor(event.id)).toBe(0);
      }
      expect(local.calls.errors.map((error) => (error as { code?: string }).code)).toEqual(["RAW_BODY_UNAVAILABLE", "RAW_BODY_UNAVAILABLE"]);
      const logged = entries.filter((entry) => entry.fields?.code === "RAW_BODY_UNAVAILABLE");
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: "error", message: expect.stringMatching(/Siglume webhooks cannot be verified: .*(rawBody|before)/), fields: { provider: "siglume" } });
    } finally {
      await lostApp.close();
    }
  });
});
