// Reading Pomelo payloads whose field names are not published: what is recognised, and what is redacted.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SiglumeConfigurationError, createWebhookHandler } from "@siglume-middleware/core";
import {
  isCodeField,
  otpForReports,
  pomeloWebhooks,
  recogniseOtp,
  recogniseTokenEvent,
  redactOtp,
  redactedOtp,
  type PomeloOtp,
  type PomeloReview,
  type PomeloTokenEvent,
} from "@siglume-middleware/pomelo";
import { pomeloSignedRequest } from "@siglume-middleware/testing";
import { recordingLogger } from "../support/logger.js";

/** Where an event's fields sit: the top level, `data`, a nested `token` / `otp` object, or that object inside `data`. */
type Shape = "top" | "data" | "nested" | "data.nested";
const shapes = fc.constantFrom<Shape>("top", "data", "nested", "data.nested");

/**
 * `fields` placed in `shape` under `nested` ("token" or "otp"), beside `envelope` (fields at the top level that
 * belong to the envelope, not the event, such as its own id or status, whenever the event is not at the top).
 */
function place(shape: Shape, nested: "token" | "otp", fields: Record<string, unknown>, envelope: Record<string, unknown>, outer: Record<string, unknown>) {
  switch (shape) {
    case "top":
      return { ...outer, ...fields };
    case "data":
      return { ...outer, ...envelope, data: fields };
    case "nested":
      return { ...envelope, ...outer, [nested]: fields };
    case "data.nested":
      return { ...outer, ...envelope, data: { [nested]: fields } };
  }
}

describe("Pomelo payload recognition", () => {
  it("reads the code under any published spelling, data first", () => {
    for (const name of ["otp", "otp_code", "otpCode", "one_time_password", "passcode", "code"]) {
      expect(recogniseOtp({ [name]: "482913" }).code, name).toBe("482913");
    }
    expect(recogniseOtp({ otp: "111111", data: { otp: "222222" } }).code).toBe("222222");
    expect(recogniseTokenEvent({ id: "evt_1", status: "SENT", data: { token_id: "tkn_1", status: "SUSPENDED" } })).toMatchObject({
      tokenId: "tkn_1",
      status: "SUSPENDED",
    });
  });

  it("treats code-like names as secret whatever their spelling, and leaves plain fields alone", () => {
    for (const name of ["otp", "OTP", "otpCode", "otp_value", "one-time-password", "oneTimePassword", "passcode", "verification_code", "activationCode", "code"]) {
      expect(isCodeField(name), name).toBe(true);
    }
    for (const name of ["status", "status_code", "countryCode", "currency_code", "otp_method", "method", "card_id", "recipient", "token_id"]) {
      expect(isCodeField(name), name).toBe(false);
    }
  });

  it("never leaves a value under a code-like name in a redacted payload, at any depth", () => {
    const code = fc.stringMatching(/^[0-9]{6}$/);
    const secretName = fc.constantFrom("otp", "otpCode", "OTP_CODE", "passcode", "verificationCode", "one_time_password");
    const plainName = fc.constantFrom("status", "card_id", "method", "status_code", "token_id");
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 4, depthSize: "small" },
        fc.string({ maxLength: 8 }),
        fc.record({ name: secretName, value: code, rest: fc.dictionary(plainName, tie("node"), { maxKeys: 3 }) }).map(({ name, value, rest }) => ({ ...rest, [name]: value })),
        fc.dictionary(plainName, tie("node"), { maxKeys: 3 }),
        fc.array(tie("node"), { maxLength: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (payload) => {
        const secrets: string[] = [];
        const collect = (value: unknown): void => {
          if (Array.isArray(value)) return value.forEach(collect);
          if (typeof value !== "object" || value === null) return;
          for (const [name, inner] of Object.entries(value)) (isCodeField(name) && typeof inner === "string" ? secrets.push(inner) : collect(inner));
        };
        collect(payload);
        const text = JSON.stringify(redactOtp(payload));
        for (const secret of secrets) expect(text).not.toContain(`"${secret}"`);
      }),
      { numRuns: 500 },
    );
  });
});

describe("Pomelo payloads in the shapes they may arrive in", () => {
  it("reads the issue's token event and OTP shapes: nested token / otp objects", () => {
    expect(recogniseTokenEvent({ event_id: "evt_1", token: { id: "tkn_1", status: "ACTIVATED" }, card_id: "crd_1" })).toMatchObject({ tokenId: "tkn_1", status: "ACTIVATED", cardId: "crd_1", eventId: "evt_1" });
    expect(recogniseOtp({ event_id: "evt_2", otp: { code: "123456", method: "SMS", recipient: "+54 *** 12" }, card_id: "crd_2" })).toMatchObject({ code: "123456", method: "SMS", recipient: "+54 *** 12", cardId: "crd_2", eventId: "evt_2" });
  });

  const tokenFields = fc.record({
    token_id: fc.stringMatching(/^tkn_[a-z0-9]{6}$/),
    status: fc.constantFrom("ACTIVATED", "suspended", "Deactivated", "REQUESTED"),
    card_id: fc.option(fc.stringMatching(/^crd_[a-z0-9]{6}$/), { nil: undefined }),
    user_id: fc.option(fc.stringMatching(/^usr_[a-z0-9]{6}$/), { nil: undefined }),
  });
  const idName = fc.constantFrom("token_id", "id");
  const eventId = fc.stringMatching(/^evt_[a-z0-9]{8}$/);

  it("property: a token event's fields are read whichever shape holds them, never the envelope's own id or status", () => {
    fc.assert(
      fc.property(shapes, tokenFields, idName, eventId, (shape, fields, name, id) => {
        const { token_id, ...rest } = fields;
        const event = JSON.parse(JSON.stringify({ ...rest, [name]: token_id }));
        const payload = place(shape, "token", event, { id: "env_1", status: "SENT" }, { event_id: id });
        expect(recogniseTokenEvent(payload)).toEqual({
          tokenId: token_id,
          status: fields.status.toUpperCase(),
          cardId: fields.card_id,
          userId: fields.user_id,
          eventId: id,
          payload,
        });
      }),
      { numRuns: 300 },
    );
  });

  const otpFields = fc.record({
    code: fc.stringMatching(/^[0-9]{6}$/),
    codeName: fc.constantFrom("code", "otp_code", "otpCode", "passcode", "one_time_password"),
    method: fc.constantFrom("SMS", "email", "Email"),
    methodName: fc.constantFrom("method", "channel", "delivery_method"),
    recipient: fc.constantFrom("+54 *** 4321", "j***@example.com"),
  });

  it("property: an OTP's code, method and recipient are read whichever shape holds them, and redaction removes the code from every shape", () => {
    fc.assert(
      fc.property(shapes, otpFields, eventId, fc.boolean(), (shape, f, id, asNumber) => {
        const code = asNumber ? Number(f.code) : f.code;
        const payload = place(shape, "otp", { [f.codeName]: code, [f.methodName]: f.method, recipient: f.recipient }, { id: "env_1", method: "WEBHOOK" }, { event_id: id });
        const otp = recogniseOtp(payload);
        expect(otp).toMatchObject({ code: String(code), method: f.method.toUpperCase(), recipient: f.recipient, eventId: id });
        const secret = String(code);
        expect(JSON.stringify(redactOtp(payload))).not.toContain(secret);
        expect(JSON.stringify(redactedOtp(otp))).not.toContain(secret);
        expect(JSON.stringify(otpForReports(otp))).not.toContain(secret);
      }),
      { numRuns: 300 },
    );
  });

  it("readers: the app's own mapping wins where it finds a value, the built-in reading elsewhere; a code under any name is redacted by value", () => {
    const readers = { otpCode: (p: unknown) => (p as { v?: { s?: unknown } }).v?.s, tokenStatus: (p: unknown) => (p as { st?: string }).st };
    const payload = { event_id: "evt_9", v: { s: 402118 }, method: "sms", note: "402118" };
    expect(recogniseOtp(payload, readers)).toMatchObject({ code: "402118", method: "SMS", eventId: "evt_9" });
    expect(recogniseOtp({ otp: "111222" }, readers).code).toBe("111222");
    expect(recogniseTokenEvent({ token_id: "tkn_2", status: "SENT", st: "active" }, readers)).toMatchObject({ tokenId: "tkn_2", status: "ACTIVE" });
    expect(recogniseTokenEvent({ token_id: "tkn_3", status: "SUSPENDED" }, readers)).toMatchObject({ status: "SUSPENDED" });
    const shown = JSON.stringify(redactedOtp(recogniseOtp(payload, readers)));
    expect(shown).not.toContain("402118");
    expect(shown).toContain("evt_9");
  });
});

describe("pomeloWebhooks({ recognise })", () => {
  const apiKeys = [{ key: "pk_live_recog001", secret: Buffer.from("pomelo-recognise-secret-0123456789").toString("base64") }];
  const handlers = { onTokenEvent: () => {}, onOtp: () => {}, onReview: () => {} };

  it.each([
    ["not an object", "otpCode", /recognise must be an object of field readers \(otpCode, otpMethod/],
    ["an unknown field", { otpcode: () => "1" }, /recognise\.otpcode is not a field this library reads; use one of otpCode, otpMethod/],
    ["a reader that is not a function", { tokenId: "token.id" }, /recognise\.tokenId must be a function \(payload\) => value, got string/],
  ])("refuses at start-up %s", (_name, recognise, message) => {
    const make = () => pomeloWebhooks({ apiKeys, ...handlers, recognise: recognise as never, logger: recordingLogger().logger });
    expect(make).toThrow(SiglumeConfigurationError);
    expect(make).toThrow(message);
  });

  it("a reader that throws is logged once (its name only: the message may quote the code), the built-in reading is used, the OTP is delivered", async () => {
    const { entries, logger } = recordingLogger();
    const otps: PomeloOtp[] = [];
    const reviews: PomeloReview[] = [];
    const tokens: PomeloTokenEvent[] = [];
    const provider = pomeloWebhooks({
      apiKeys,
      logger,
      onOtp: (otp) => void otps.push(otp),
      onReview: (review) => void reviews.push(review),
      onTokenEvent: (event) => void tokens.push(event),
      recognise: { otpCode: (p) => JSON.parse((p as { blob: string }).blob) },
    });
    const handler = createWebhookHandler(provider);
    const deliver = async (payload: object, endpoint: string) => {
      const signed = pomeloSignedRequest(payload, { apiKey: apiKeys[0]!.key, apiSecret: apiKeys[0]!.secret, endpoint });
      const route = handler.match(endpoint)!;
      return handler.handle({ method: "POST", header: (name) => signed.headers[name as keyof typeof signed.headers], readBody: () => signed.body, request: null, route, path: endpoint });
    };
    for (const [i, blob] of ["not json 918273", "also not json 918274"].entries()) {
      expect((await deliver({ event_id: `evt_throw_${i}`, otp_code: `55500${i}`, blob }, "/webhooks/pomelo/otp")).status).toBe(204);
    }
    expect(otps.map((o) => o.code)).toEqual(["555000", "555001"]);
    // A reviewed token payload: the code the reader finds is redacted by value, wherever it sits.
    expect((await deliver({ event_id: "evt_tok_r", blob: "\"847201\"", note: "847201" }, "/webhooks/pomelo/tokens")).status).toBe(204);
    expect(JSON.stringify(reviews)).not.toContain("847201");
    const failures = entries.filter((entry) => entry.fields?.code === "POMELO_RECOGNISE_FAILED");
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/recognise\.otpCode threw \(SyntaxError; its message is not logged/);
    expect(JSON.stringify(entries)).not.toMatch(/91827|55500/);
  });
  it("an onOtp error quoting the code (an SMS gateway's) reaches onError and the default logger without it", async () => {
    const { entries, logger } = recordingLogger();
    const reported: unknown[] = [];
    const deliverWith = async (extra: { onError?: (error: unknown) => void }, payload: object, fail: (code: string) => unknown) => {
      const provider = pomeloWebhooks({
        apiKeys,
        logger,
        ...extra,
        onOtp: (otp) => fail(otp.code!),
        onReview: () => {},
        onTokenEvent: () => {},
      });
      const handler = createWebhookHandler(provider);
      const endpoint = "/webhooks/pomelo/otp";
      const signed = pomeloSignedRequest(payload, { apiKey: apiKeys[0]!.key, apiSecret: apiKeys[0]!.secret, endpoint });
      const route = handler.match(endpoint)!;
      return handler.handle({ method: "POST", header: (name) => signed.headers[name as keyof typeof signed.headers], readBody: () => signed.body, request: null, route, path: endpoint });
    };
    const throwing = (code: string) => {
      throw new Error(`could not send "Your code is ${code}"`);
    };
    const rejecting = async (code: string) => Promise.reject(new TypeError(`gateway refused ${code}`));
    const throwsObject = (code: string) => {
      throw { text: code };
    };
    expect((await deliverWith({}, { event_id: "evt_otp_fail_1", otp_code: "739184" }, throwing)).status).toBe(500);
    expect((await deliverWith({}, { event_id: "evt_otp_fail_2", otp_code: "739185" }, rejecting)).status).toBe(500);
    const onError = (error: unknown) => void reported.push(error);
    expect((await deliverWith({ onError }, { event_id: "evt_otp_fail_3", otp_code: "739186" }, throwing)).status).toBe(500);
    expect((await deliverWith({ onError }, { event_id: "evt_otp_fail_4", otp_code: "739187" }, throwsObject)).status).toBe(500);
    const logged = JSON.stringify(entries, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value));
    expect(logged).toContain("could not send");
    expect(logged).toContain("gateway refused");
    expect(logged).not.toMatch(/73918[45]/);
    expect(reported).toHaveLength(2);
    expect((reported[0] as Error).message).toBe('could not send "Your code is [OTP code redacted]"');
    expect(String((reported[0] as Error).stack)).not.toContain("739186");
    expect((reported[1] as Error).message).toMatch(/not shown: it may hold the OTP code/);
  });
});
