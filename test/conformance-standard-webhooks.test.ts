// Standard Webhooks, every case on every adapter target (NestJS on both platforms, the fetch handler and Hono;
// the web-crypto project runs the last two on WebCrypto), real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { z } from "zod";
import { memoryIdempotencyStore, type WebhookLogger } from "@siglume-middleware/core";
import type { StandardWebhookContext, StandardWebhookReview } from "@siglume-middleware/standard-webhooks";
import {
  standardWebhookEvent,
  standardWebhookKeyPair,
  standardWebhookRequest,
  type StandardWebhookRequest,
  type StandardWebhookRequestOptions,
} from "@siglume-middleware/testing";
import type { RunningApp } from "./support/apps.js";
import { providerAdapters, type StandardHarnessOptions } from "./support/provider-apps.js";

const PATH = "/webhooks/standard";
const SECRET = "whsec_c3RhbmRhcmQtY29uZm9ybWFuY2Utc2VjcmV0LTAx"; // 33 bytes
const NEW_SECRET = "whsec_bmV3LXN0YW5kYXJkLXNlY3JldC1hZnRlci1yb3RhdGlvbg==";
const OTHER_SECRET = "whsec_c29tZW9uZS1lbHNlcy1zZWNyZXQtMDEyMzQ1Njc4OQ==";
const KEYS = standardWebhookKeyPair(); // ed25519, made by node:crypto
const OTHER_KEYS = standardWebhookKeyPair();

interface Seen {
  event: { type?: string; data?: { id?: string } };
  ctx: Pick<StandardWebhookContext, "eventId" | "signedAt" | "scheme" | "name">;
}

function recorder(overrides: Partial<StandardHarnessOptions> = {}) {
  const calls = { events: [] as Seen[], reviews: [] as StandardWebhookReview[], errors: [] as { error: unknown; info: unknown }[] };
  const lines: string[] = [];
  const line = (message: string, fields?: unknown) => void lines.push(JSON.stringify({ message, fields }));
  const logger: WebhookLogger = { info: line, warn: line, error: line };
  const failures = new Set<string>();
  const options: StandardHarnessOptions = {
    secret: SECRET,
    logger,
    onError: (error, info) => void calls.errors.push({ error, info }),
    onEvent(event, ctx) {
      const { eventId, signedAt, scheme, name } = ctx;
      calls.events.push({ event, ctx: { eventId, signedAt, scheme, name } });
      if (failures.delete(eventId)) throw new Error("database down");
    },
    onReview: (review) => void calls.reviews.push(review),
    ...overrides,
  };
  return { calls, options, lines, failOnce: (id: string) => void failures.add(id) };
}

const signed = (payload: object | string, options: Partial<StandardWebhookRequestOptions> = {}) =>
  standardWebhookRequest(payload, { secret: SECRET, ...options });

const deliver = (app: RunningApp, delivery: Pick<StandardWebhookRequest, "headers" | "text">, path = PATH) =>
  request(app.url).post(path).set(delivery.headers).send(delivery.text);

const now = () => Math.floor(Date.now() / 1000);

describe.each(providerAdapters)("Standard Webhooks conformance: $name", (adapter) => {
  const main = recorder({ publicKey: KEYS.publicKey });
  const handled = (id: string) => main.calls.events.filter((seen) => seen.ctx.eventId === id);
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.startStandard(main.options);
  });
  afterAll(() => app?.close());

  it("hands a verified event to onEvent once, with its webhook-id, and answers 204", async () => {
    const event = standardWebhookEvent({ type: "invoice.paid" });
    const delivery = signed(event);
    const res = await deliver(app, delivery);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(handled(delivery.id)).toEqual([{ event, ctx: { eventId: delivery.id, signedAt: delivery.timestamp, scheme: "v1", name: undefined } }]);
  });

  it("runs a redelivery (same webhook-id, a new timestamp and signature) not again: 204", async () => {
    const event = standardWebhookEvent();
    const first = signed(event, { timestamp: now() - 20 });
    for (const delivery of [first, signed(event, { id: first.id, timestamp: now() - 10 }), signed(event, { id: first.id })]) {
      expect((await deliver(app, delivery)).status).toBe(204);
    }
    expect(handled(first.id)).toHaveLength(1);
  });

  it("accepts svix-id, svix-timestamp and svix-signature as the same headers, and the same id under either set runs once", async () => {
    const event = standardWebhookEvent();
    const svix = signed(event, { headers: "svix" });
    expect(Object.keys(svix.headers)).toContain("svix-signature");
    expect((await deliver(app, svix)).status).toBe(204);
    expect((await deliver(app, signed(event, { id: svix.id }))).status).toBe(204);
    expect(handled(svix.id)).toHaveLength(1);
  });

  it("during a rotation, passes a delivery signed by either configured secret, and a list of both", async () => {
    const rotating = recorder({ secret: [SECRET, NEW_SECRET] });
    const rotatingApp = await adapter.startStandard(rotating.options);
    try {
      const deliveries = [signed(standardWebhookEvent(), { secret: NEW_SECRET }), signed(standardWebhookEvent()), signed(standardWebhookEvent(), { secret: [NEW_SECRET, SECRET] })];
      for (const delivery of deliveries) expect((await deliver(rotatingApp, delivery)).status).toBe(204);
      expect(rotating.calls.events.map((seen) => seen.ctx.eventId)).toEqual(deliveries.map((d) => d.id));
    } finally {
      await rotatingApp.close();
    }
  });

  it("passes a list with one bad and one good entry, in either order", async () => {
    for (const order of ["bad first", "good first"]) {
      const good = signed(standardWebhookEvent());
      const bad = signed(good.text, { secret: OTHER_SECRET, id: good.id, timestamp: good.timestamp }).headers["webhook-signature"];
      const list = order === "bad first" ? `${bad} ${good.headers["webhook-signature"]}` : `${good.headers["webhook-signature"]} ${bad}`;
      expect((await deliver(app, { ...good, headers: { ...good.headers, "webhook-signature": list } })).status).toBe(204);
      expect(handled(good.id)).toHaveLength(1);
    }
  });

  it.each([
    ["a wrong secret", () => signed(standardWebhookEvent(), { secret: OTHER_SECRET }), 401, "STANDARD_WEBHOOK_SIGNATURE_MISMATCH", /no v1 entry matches the configured secret.*wrong secret/],
    ["a 10-minute-old timestamp", () => signed(standardWebhookEvent(), { timestamp: now() - 600 }), 401, "STANDARD_WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE", /in the past, beyond the 300 s tolerance/],
    [
      "a body altered after signing",
      () => {
        const delivery = signed(standardWebhookEvent({ data: { amount: 100 } }));
        return { ...delivery, text: delivery.text.replace('"amount":100', '"amount":900') };
      },
      401,
      "STANDARD_WEBHOOK_SIGNATURE_MISMATCH",
      /no v1 entry matches/,
    ],
    [
      "a missing webhook-id",
      () => {
        const delivery = signed(standardWebhookEvent());
        const { "webhook-id": _id, ...headers } = delivery.headers;
        return { ...delivery, headers };
      },
      400,
      "STANDARD_WEBHOOK_HEADERS_MISSING",
      /No webhook-id header/,
    ],
    ["a v1a signature by another key", () => signed(standardWebhookEvent(), { secret: [], privateKey: OTHER_KEYS.privateKey }), 401, "STANDARD_WEBHOOK_SIGNATURE_MISMATCH", /no v1a entry verifies with the configured public key \(whpk_/],
  ])("refuses %s with %i and its own code; nothing runs", async (_name, make, status, code, message) => {
    const delivery = make();
    const res = await deliver(app, delivery);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
    expect(res.text).not.toContain(SECRET.slice("whsec_".length));
    expect(handled(delivery.id)).toEqual([]);
  });

  it("verifies a v1a (ed25519) signature with the configured whpk_ key, alone or beside a v1 entry by another secret", async () => {
    const alone = signed(standardWebhookEvent(), { secret: [], privateKey: KEYS.privateKey });
    expect((await deliver(app, alone)).status).toBe(204);
    expect(handled(alone.id).map((seen) => seen.ctx.scheme)).toEqual(["v1a"]);
    const beside = signed(standardWebhookEvent(), { secret: OTHER_SECRET, privateKey: KEYS.privateKey });
    expect((await deliver(app, beside)).status).toBe(204);
    expect(handled(beside.id).map((seen) => seen.ctx.scheme)).toEqual(["v1a"]);
  });

  it("a handler that throws: 500, nothing recorded; the redelivery runs it again and is acknowledged", async () => {
    const delivery = signed(standardWebhookEvent({ type: "user.deleted", data: { email: "jane@example.com" } }));
    main.failOnce(delivery.id);
    const first = await deliver(app, delivery);
    expect(first.status).toBe(500);
    expect(first.body.error.code).toBe("HANDLER_FAILED");
    expect((await deliver(app, signed(delivery.text, { id: delivery.id }))).status).toBe(204);
    expect(handled(delivery.id)).toHaveLength(2);
    // onError sees which event (its id and type), never the payload, which may hold personal data.
    const { info } = main.calls.errors.at(-1)!;
    expect((info as { event: unknown }).event).toEqual({ id: delivery.id, type: "user.deleted" });
    expect((info as { key: string }).key).toBe(`standard-webhooks:${delivery.id}`);
    expect(JSON.stringify({ ...(info as object), request: undefined })).not.toContain("jane@example.com");
    expect(main.lines.join("\n")).not.toContain("jane@example.com");
  });

  it("reviews a webhook-id reused with another body once, and never runs onEvent for it", async () => {
    const original = signed(standardWebhookEvent({ data: { amount: 1 } }));
    expect((await deliver(app, original)).status).toBe(204);
    const other = signed(standardWebhookEvent({ data: { amount: 2 } }), { id: original.id });
    for (let i = 0; i < 2; i++) expect((await deliver(app, other)).status).toBe(204);
    expect(handled(original.id)).toHaveLength(1);
    const reviews = main.calls.reviews.filter((review) => review.eventId === original.id);
    expect(reviews).toMatchObject([{ reason: "webhook_id_reused", payload: { data: { amount: 2 } } }]);
  });

  it("without a schema, reviews a verified payload that is not a JSON object; a signed body that is not JSON is refused 400", async () => {
    const array = signed([1, 2, 3]);
    expect((await deliver(app, array)).status).toBe(204);
    expect(main.calls.reviews.find((review) => review.eventId === array.id)).toMatchObject({ reason: "invalid_payload", detail: /an array/ });
    expect(handled(array.id)).toEqual([]);
    // NestJS's own body parser answers a body that is not JSON with 400 before any module runs.
    const notJson = signed("not json at all");
    const res = await deliver(app, notJson);
    expect(res.status).toBe(400);
    if (!adapter.frameworkParsesFirst) expect(res.body.error.code).toBe("STANDARD_WEBHOOK_PAYLOAD_INVALID_JSON");
    expect(handled(notJson.id)).toEqual([]);
  });

  it("with a zod schema: a matching payload reaches onEvent parsed by it, one that fails goes to onReview once", async () => {
    const schema = z.object({ type: z.literal("order.created"), data: z.object({ id: z.string(), total: z.coerce.number() }) });
    const typed = recorder({ schema });
    const typedApp = await adapter.startStandard(typed.options);
    try {
      const good = signed({ type: "order.created", data: { id: "ord_1", total: "12.5", extra: true } });
      expect((await deliver(typedApp, good)).status).toBe(204);
      expect(typed.calls.events.map((seen) => seen.event)).toEqual([{ type: "order.created", data: { id: "ord_1", total: 12.5 } }]);

      const bad = signed({ type: "order.created", data: { total: "12.5" } });
      for (let i = 0; i < 2; i++) expect((await deliver(typedApp, signed(bad.text, { id: bad.id }))).status).toBe(204);
      expect(typed.calls.reviews).toMatchObject([{ reason: "schema_mismatch", eventId: bad.id, detail: /data\.id/, issues: [{ path: ["data", "id"] }] }]);
      expect(typed.calls.events).toHaveLength(1);
    } finally {
      await typedApp.close();
    }
  });

  it("an async Standard Schema works the same (the engine awaits its validation)", async () => {
    const schema = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: async (value: unknown) => ((value as { type?: unknown }).type === "ok" ? { value: { type: "ok", checked: true } } : { issues: [{ message: "type must be ok" }] }),
      },
    };
    const asyncApp = recorder({ schema });
    const running = await adapter.startStandard(asyncApp.options);
    try {
      expect((await deliver(running, signed({ type: "ok" }))).status).toBe(204);
      expect((await deliver(running, signed({ type: "no" }))).status).toBe(204);
      expect(asyncApp.calls.events.map((seen) => seen.event)).toEqual([{ type: "ok", checked: true }]);
      expect(asyncApp.calls.reviews).toMatchObject([{ reason: "schema_mismatch", detail: /type must be ok/ }]);
    } finally {
      await running.close();
    }
  });

  it("without onReview, a review is logged (id and reason, never the payload), recorded and answered 204", async () => {
    const quiet = recorder({ onReview: undefined });
    const running = await adapter.startStandard(quiet.options);
    try {
      const array = signed(["secret-looking-value"]);
      expect((await deliver(running, array)).status).toBe(204);
      expect((await deliver(running, signed(array.text, { id: array.id }))).status).toBe(204);
      const warnings = quiet.lines.filter((entry) => entry.includes("STANDARD_WEBHOOK_REVIEWED"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(array.id);
      expect(warnings[0]).toContain("invalid_payload");
      expect(quiet.lines.join("\n")).not.toContain("secret-looking-value");
    } finally {
      await running.close();
    }
  });

  it("two named instances on one store each run the same webhook-id once: keys are namespaced by name", async () => {
    const store = memoryIdempotencyStore();
    const openai = recorder({ name: "openai", path: "/webhooks/openai", idempotencyStore: store });
    const clerk = recorder({ name: "clerk", path: "/webhooks/clerk", secret: NEW_SECRET, idempotencyStore: store });
    const apps = [await adapter.startStandard(openai.options), await adapter.startStandard(clerk.options)];
    try {
      const id = `msg_shared_${Date.now()}`;
      expect((await deliver(apps[0]!, signed(standardWebhookEvent(), { id }), "/webhooks/openai")).status).toBe(204);
      expect((await deliver(apps[1]!, signed(standardWebhookEvent(), { id, secret: NEW_SECRET, headers: "svix" }), "/webhooks/clerk")).status).toBe(204);
      expect(openai.calls.events.map((seen) => seen.ctx)).toMatchObject([{ eventId: id, name: "openai" }]);
      expect(clerk.calls.events.map((seen) => seen.ctx)).toMatchObject([{ eventId: id, name: "clerk" }]);
      // The other sender's secret is refused at each path.
      expect((await deliver(apps[1]!, signed(standardWebhookEvent()), "/webhooks/clerk")).status).toBe(401);
    } finally {
      await Promise.all(apps.map((running) => running.close()));
    }
  });
});
