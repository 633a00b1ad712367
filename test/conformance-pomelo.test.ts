// Pomelo's token and OTP webhooks, every case on every adapter (NestJS on both platforms), real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { memoryIdempotencyStore, type WebhookLogger } from "@siglume-middleware/core";
import type { PomeloOtp, PomeloReview, PomeloTokenEvent } from "@siglume-middleware/pomelo";
import { pomeloEvents, pomeloSignedRequest, type PomeloSignedRequest } from "@siglume-middleware/testing";
import type { RunningApp } from "./support/apps.js";
import { providerAdapters, type PomeloHarnessOptions } from "./support/provider-apps.js";

const TOKENS = "/webhooks/pomelo/tokens";
const OTP = "/webhooks/pomelo/otp";
const API_KEY = "pk_live_7Hq2xLm9";
const SECRET = Buffer.from("pomelo-conformance-secret-0123456789").toString("base64");
const OTHER_SECRET = Buffer.from("someone-else-secret-0123456789abcd").toString("base64");

function recorder(overrides: Partial<PomeloHarnessOptions> = {}) {
  const calls = { tokens: [] as PomeloTokenEvent[], otps: [] as PomeloOtp[], reviews: [] as PomeloReview[], errors: [] as { error: unknown; info: unknown }[] };
  const lines: string[] = [];
  const logger: WebhookLogger = {
    info: (message, fields) => void lines.push(JSON.stringify({ message, fields })),
    warn: (message, fields) => void lines.push(JSON.stringify({ message, fields })),
    error: (message, fields) => void lines.push(JSON.stringify({ message, fields })),
  };
  let failOtp = new Set<string>();
  const options: PomeloHarnessOptions = {
    apiKeys: [{ key: API_KEY, secret: SECRET }],
    logger,
    onError: (error, info) => void calls.errors.push({ error, info }),
    onTokenEvent: (event) => void calls.tokens.push(event),
    onOtp(otp) {
      calls.otps.push(otp);
      if (otp.eventId !== undefined && failOtp.delete(otp.eventId)) throw new Error("SMS gateway down");
    },
    onReview: (review) => void calls.reviews.push(review),
    ...overrides,
  };
  return { calls, options, lines, failOnce: (eventId: string) => void failOtp.add(eventId) };
}

const signed = (payload: object | string, endpoint: string, options: { secret?: string; apiKey?: string; timestamp?: number } = {}) =>
  pomeloSignedRequest(payload, { apiKey: options.apiKey ?? API_KEY, apiSecret: options.secret ?? SECRET, endpoint, timestamp: options.timestamp });

function deliver(app: RunningApp, path: string, delivery: PomeloSignedRequest) {
  return request(app.url).post(path).set(delivery.headers).send(delivery.text);
}

describe.each(providerAdapters)("Pomelo conformance: $name", (adapter) => {
  const main = recorder();
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.startPomelo(main.options);
  });
  afterAll(() => app?.close());

  it("hands a token event to onTokenEvent and an OTP to onOtp, answering 204", async () => {
    const token = pomeloEvents.tokenUpdated({ status: "activated" });
    const tokenRes = await deliver(app, TOKENS, signed(token, TOKENS));
    expect(tokenRes.status).toBe(204);
    expect(main.calls.tokens.find((t) => t.tokenId === token.token_id)).toMatchObject({ status: "ACTIVATED", cardId: token.card_id, userId: token.user_id });

    const otp = pomeloEvents.otp();
    expect((await deliver(app, OTP, signed(otp, OTP))).status).toBe(204);
    expect(main.calls.otps.find((o) => o.eventId === otp.event_id)).toMatchObject({
      code: otp.otp,
      method: "SMS",
      recipient: otp.recipient,
      cardId: otp.card_id,
      userId: otp.user_id,
      tokenOrigin: "APPLE_PAY",
    });
  });

  it("hands every verified OTP to onOtp, whatever its shape (a cardholder must not miss a code)", async () => {
    const odd = { data: { one_time_password: 914_203, channel: "email", masked_email: "j***@example.com" }, idempotency_key: `idem-${Date.now()}` };
    expect((await deliver(app, OTP, signed(odd, OTP))).status).toBe(204);
    const otp = main.calls.otps.find((o) => o.eventId === odd.idempotency_key);
    expect(otp).toMatchObject({ code: "914203", method: "EMAIL", recipient: "j***@example.com" });
    // NestJS's own body parser answers a body that is not JSON with 400 before any module runs.
    if (adapter.frameworkParsesFirst) return;
    expect((await deliver(app, OTP, signed("not json at all", OTP))).status).toBe(204);
    expect(main.calls.otps.some((o) => o.payload === undefined)).toBe(true);
  });

  it("sends a token event it cannot read to onReview, answered 204, never to onTokenEvent", async () => {
    const unreadable = { event_id: `evt-odd-${Date.now()}`, whatever: true };
    expect((await deliver(app, TOKENS, signed(unreadable, TOKENS))).status).toBe(204);
    expect(main.calls.reviews.find((r) => (r.payload as { event_id?: string }).event_id === unreadable.event_id)).toMatchObject({
      reason: "unreadable_token_event",
      detail: expect.stringMatching(/token_id/),
    });
  });

  it("runs a resend with a fresh timestamp once", async () => {
    const otp = pomeloEvents.otp();
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 20, now - 10, now]) expect((await deliver(app, OTP, signed(otp, OTP, { timestamp }))).status).toBe(204);
    expect(main.calls.otps.filter((o) => o.eventId === otp.event_id)).toHaveLength(1);
    // Without an event id, the body (and endpoint) identify the event.
    const { event_id: _id, ...anonymous } = pomeloEvents.otp();
    for (const timestamp of [now - 5, now]) expect((await deliver(app, OTP, signed(anonymous, OTP, { timestamp }))).status).toBe(204);
    expect(main.calls.otps.filter((o) => o.code === anonymous.otp)).toHaveLength(1);
  });

  it.each([
    ["a wrong secret", () => signed(pomeloEvents.otp(), OTP, { secret: OTHER_SECRET }), "POMELO_SIGNATURE_MISMATCH", /api secret configured for api key pk_l…/],
    ["the secret used as text", () => pomeloSignedRequest(pomeloEvents.otp(), { apiKey: API_KEY, apiSecret: Buffer.from(SECRET, "utf8").toString("base64"), endpoint: OTP }), "POMELO_SIGNATURE_MISMATCH", /used as text instead of base64-decoded/],
    ["an unknown api key", () => signed(pomeloEvents.otp(), OTP, { apiKey: "pk_test_unknown42" }), "POMELO_API_KEY_UNKNOWN", /pk_t…/],
    ["a stale timestamp", () => signed(pomeloEvents.otp(), OTP, { timestamp: Math.floor(Date.now() / 1000) - 301 }), "POMELO_TIMESTAMP_OUT_OF_TOLERANCE", /clock/],
    ["a request signed for the other endpoint", () => signed(pomeloEvents.otp(), TOKENS), "POMELO_ENDPOINT_MISMATCH", /publicPaths/],
  ])("refuses %s with 401 and its own code", async (_name, make, code, message) => {
    const delivery = make();
    const res = await deliver(app, OTP, delivery);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain("pk_test_unknown42");
    const eventId = (JSON.parse(delivery.text) as { event_id: string }).event_id;
    expect(main.calls.otps.some((o) => o.eventId === eventId)).toBe(false);
  });

  it("refuses a body re-serialised after it was signed with 401, naming re-serialisation as a likely cause", async () => {
    const otp = pomeloEvents.otp();
    const delivery = signed(JSON.stringify(otp, null, 2), OTP);
    const res = await deliver(app, OTP, { ...delivery, text: JSON.stringify(otp) });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("POMELO_SIGNATURE_MISMATCH");
    expect(res.body.error.message).toMatch(/re-serialised/);
    expect((await deliver(app, OTP, delivery)).status).toBe(204);
  });

  it("never lets an OTP code reach a log line, an error body or onError's event", async () => {
    const otp = pomeloEvents.otp({ otp: "482913" });
    main.failOnce(otp.event_id);
    const first = await deliver(app, OTP, signed(otp, OTP));
    expect(first.status).toBe(500);
    expect(first.text).not.toContain("482913");
    expect((await deliver(app, OTP, signed(otp, OTP))).status).toBe(204);
    // onError gets the framework's request as it is (the app's own object); what this library adds is redacted.
    // The OTP it reports carries what identifies it, never the code or the raw payload.
    const { event, key } = main.calls.errors.at(-1)!.info as { event: PomeloOtp; key: string };
    expect(JSON.stringify({ event, key })).not.toContain("482913");
    expect(event).toMatchObject({ eventId: otp.event_id, code: undefined, payload: undefined });
    for (const bad of [signed(otp, OTP, { secret: OTHER_SECRET }), signed(otp, TOKENS)]) {
      expect((await deliver(app, OTP, bad)).text).not.toContain("482913");
    }
    expect(main.lines.join("\n")).not.toContain("482913");
    expect(main.lines.join("\n")).not.toContain(SECRET);
  });

  it("keeps a code under another field name (otpCode) or on the tokens endpoint out of onError", async () => {
    const failing = recorder({
      onOtp: () => {
        throw new Error("SMS gateway down");
      },
      onTokenEvent: () => {
        throw new Error("database down");
      },
    });
    const failingApp = await adapter.startPomelo(failing.options);
    try {
      const otp = { event_id: `evt_cc_${Date.now()}`, otpCode: "482913", method: "SMS" };
      expect((await deliver(failingApp, OTP, signed(otp, OTP))).status).toBe(500);
      const token = { event_id: `evt_tk_${Date.now()}`, token_id: "tkn_2", status: "REQUESTED", otp: "777111" };
      expect((await deliver(failingApp, TOKENS, signed(token, TOKENS))).status).toBe(500);
      expect(failing.calls.errors).toHaveLength(2);
      // What this library adds to onError (the framework's request is the app's own object).
      const reported = JSON.stringify(failing.calls.errors.map((e) => {
        const { event, key } = e.info as { event: unknown; key: string };
        return { event, key };
      }));
      expect(reported).not.toContain("482913");
      expect(reported).not.toContain("777111");
      expect(failing.lines.join("\n")).not.toMatch(/482913|777111/);
    } finally {
      await failingApp.close();
    }
  });

  it("during key rotation, handles the same OTP or token event once whichever pair signed each copy", async () => {
    const NEW = { key: "pk_live_new0Rot8", secret: OTHER_SECRET };
    const rotating = recorder({ apiKeys: [{ key: API_KEY, secret: SECRET }, NEW] });
    const rotatingApp = await adapter.startPomelo(rotating.options);
    try {
      const otp = pomeloEvents.otp();
      const anonymous = { otp: "654321", method: "SMS", card_id: `crd_${Date.now()}` };
      const token = pomeloEvents.tokenUpdated({ status: "activated" });
      for (const [path, body] of [[OTP, otp], [OTP, anonymous], [TOKENS, token]] as const) {
        expect((await deliver(rotatingApp, path, signed(body, path))).status).toBe(204);
        expect((await deliver(rotatingApp, path, signed(body, path, { apiKey: NEW.key, secret: NEW.secret }))).status).toBe(204);
      }
      expect(rotating.calls.otps).toHaveLength(2);
      expect(rotating.calls.tokens).toHaveLength(1);
      expect(rotating.calls.reviews).toEqual([]);
    } finally {
      await rotatingApp.close();
    }
  });

  it("with digestKey, an event without an id stays handled once after the rotation ends and the old pair is removed", async () => {
    const NEW = { key: "pk_live_new0Rot8", secret: OTHER_SECRET };
    const store = memoryIdempotencyStore();
    const digestKey = "pomelo-digest-key-of-this-app-0123456789";
    const anonymous = { otp: "112233", method: "SMS", card_id: `crd_rot_${Date.now()}` };
    const during = recorder({ apiKeys: [{ key: API_KEY, secret: SECRET }, NEW], idempotencyStore: store, digestKey });
    const duringApp = await adapter.startPomelo(during.options);
    try {
      expect((await deliver(duringApp, OTP, signed(anonymous, OTP, { apiKey: NEW.key, secret: NEW.secret }))).status).toBe(204);
    } finally {
      await duringApp.close();
    }
    const after = recorder({ apiKeys: [NEW], idempotencyStore: store, digestKey }); // the old pair removed at the end of the rotation
    const afterApp = await adapter.startPomelo(after.options);
    try {
      expect((await deliver(afterApp, OTP, signed(anonymous, OTP, { apiKey: NEW.key, secret: NEW.secret }))).status).toBe(204);
      expect(during.calls.otps).toHaveLength(1);
      expect(after.calls.otps).toEqual([]); // recognised as the same event: not run again
    } finally {
      await afterApp.close();
    }
  });

  it("reads a token event wrapped in an envelope from its data first", async () => {
    const id = `evt_wrap_${Date.now()}`;
    const event = { id, event_id: id, status: "SENT", data: { token_id: "tkn_real", status: "SUSPENDED" } };
    expect((await deliver(app, TOKENS, signed(event, TOKENS))).status).toBe(204);
    expect(main.calls.tokens.find((t) => t.eventId === id)).toMatchObject({ tokenId: "tkn_real", status: "SUSPENDED" });
  });

  it("reads a token event and an OTP nested in a token / otp object, at the top level or in data", async () => {
    const stamp = Date.now();
    const tokens = [
      { event_id: `evt_nt_${stamp}`, token: { id: "tkn_nested", status: "ACTIVATED" }, card_id: "crd_1" },
      { event_id: `evt_dt_${stamp}`, status: "SENT", data: { token: { id: "tkn_data", status: "suspended" }, card_id: "crd_2" } },
    ];
    for (const event of tokens) expect((await deliver(app, TOKENS, signed(event, TOKENS))).status).toBe(204);
    expect(main.calls.tokens.find((t) => t.eventId === tokens[0]!.event_id)).toMatchObject({ tokenId: "tkn_nested", status: "ACTIVATED", cardId: "crd_1" });
    expect(main.calls.tokens.find((t) => t.eventId === tokens[1]!.event_id)).toMatchObject({ tokenId: "tkn_data", status: "SUSPENDED", cardId: "crd_2" });
    expect(main.calls.reviews.some((r) => [tokens[0]!.event_id, tokens[1]!.event_id].includes((r.payload as { event_id: string }).event_id))).toBe(false);

    const otps = [
      { event_id: `evt_no_${stamp}`, otp: { code: "605118", method: "SMS", recipient: "+54 *** 4321" }, card_id: "crd_3" },
      { event_id: `evt_do_${stamp}`, data: { otp: { code: "605119", method: "email", recipient: "j***@example.com" } } },
    ];
    for (const otp of otps) expect((await deliver(app, OTP, signed(otp, OTP))).status).toBe(204);
    expect(main.calls.otps.find((o) => o.eventId === otps[0]!.event_id)).toMatchObject({ code: "605118", method: "SMS", recipient: "+54 *** 4321", cardId: "crd_3" });
    expect(main.calls.otps.find((o) => o.eventId === otps[1]!.event_id)).toMatchObject({ code: "605119", method: "EMAIL", recipient: "j***@example.com" });
  });

  it("recognise: the app's own field mapping reads a shape nobody foresaw, and that code stays out of onError and the logs", async () => {
    const mapped = recorder({
      recognise: {
        otpCode: (p) => (p as { verification?: { secret?: string } }).verification?.secret,
        eventId: (p) => (p as { meta?: { ref?: string } }).meta?.ref,
        tokenId: (p) => (p as { card_token?: { ref?: string } }).card_token?.ref,
        tokenStatus: (p) => (p as { card_token?: { state?: string } }).card_token?.state,
      },
      onOtp: (otp) => {
        mapped.calls.otps.push(otp);
        throw new Error("SMS gateway down");
      },
    });
    const mappedApp = await adapter.startPomelo(mapped.options);
    try {
      const ref = `ref_${Date.now()}`;
      const otp = { meta: { ref }, verification: { secret: "731904", via: "SMS" } };
      expect((await deliver(mappedApp, OTP, signed(otp, OTP))).status).toBe(500);
      expect(mapped.calls.otps.at(-1)).toMatchObject({ code: "731904", eventId: ref });
      const token = { meta: { ref: `${ref}_t` }, card_token: { ref: "tkn_mapped", state: "active" } };
      expect((await deliver(mappedApp, TOKENS, signed(token, TOKENS))).status).toBe(204);
      expect(mapped.calls.tokens.at(-1)).toMatchObject({ tokenId: "tkn_mapped", status: "ACTIVE", eventId: `${ref}_t` });
      // A payload the readers find nothing in is read the built-in way.
      const plain = pomeloEvents.otp();
      await deliver(mappedApp, OTP, signed(plain, OTP));
      expect(mapped.calls.otps.at(-1)).toMatchObject({ code: plain.otp, eventId: plain.event_id });
      const { event, key } = mapped.calls.errors[0]!.info as { event: unknown; key: string };
      expect(JSON.stringify({ event, key })).not.toContain("731904");
      expect(mapped.lines.join("\n")).not.toContain("731904");
    } finally {
      await mappedApp.close();
    }
  });

  it("accepts a publicPath as X-Endpoint when a proxy rewrites paths, and signs answers on request", async () => {
    const proxied = recorder({ publicPaths: { otp: "/public/pomelo/otp" }, signResponses: true });
    const proxiedApp = await adapter.startPomelo(proxied.options);
    try {
      const otp = pomeloEvents.otp();
      const res = await deliver(proxiedApp, OTP, signed(otp, "/public/pomelo/otp"));
      expect(res.status).toBe(204);
      expect(proxied.calls.otps.map((o) => o.eventId)).toEqual([otp.event_id]);
      expect(res.headers["x-endpoint"]).toBe("/public/pomelo/otp");
      const expected = pomeloSignedRequest("", { apiKey: API_KEY, apiSecret: SECRET, endpoint: "/public/pomelo/otp", timestamp: Number(res.headers["x-timestamp"]) });
      expect(res.headers["x-signature"]).toBe(expected.headers["x-signature"]);
    } finally {
      await proxiedApp.close();
    }
  });
});
