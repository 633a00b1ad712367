// Adyen's authentication webhooks, every case on every adapter (NestJS on both platforms), real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { memoryIdempotencyStore } from "@siglume-middleware/core";
import { ADYEN_DECISION_LIMIT_MS } from "@siglume-middleware/adyen";
import { adyenEvents, adyenSignedRequest, type AdyenSignedRequest } from "@siglume-middleware/testing";
import type { RunningApp } from "./support/apps.js";
import { recordingLogger } from "./support/logger.js";
import { providerAdapters, type AdyenHarnessOptions } from "./support/provider-apps.js";
import { StoreWatch } from "./support/store-watch.js";
import { arrivals, latch, sleep } from "./support/timing.js";

const PATH = "/webhooks/adyen/authentication";
const KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
const NEW_KEY = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
const AUTH = { username: "adyen-ws", password: "s3cret-pa55" };
const PROCEED = { authenticationDecision: { status: "proceed" } };
const REFUSED = { authenticationDecision: { status: "refused" } };

/** The deadline the apps decide under, unless a case is about the deadline: the longest Adyen allows. */
const DECISION_TIMEOUT_MS = ADYEN_DECISION_LIMIT_MS - 1;
/** The deadline of the app that answers by its deadline while the handler has not decided. */
const SHORT_DECISION_TIMEOUT_MS = 400;
/** The deadline of the app whose handler decides late: it must have started by then (claimed, under load). */
const LATE_DECISION_TIMEOUT_MS = 1000;

/** Records every dispatch; relayed decisions come from `decide` (per request id), default proceed. */
function recorder(overrides: Partial<AdyenHarnessOptions> = {}) {
  const calls = { relayed: [] as string[], results: [] as string[], events: [] as unknown[], errors: [] as unknown[] };
  const decide = new Map<string, (id: string) => unknown>();
  const { entries, logger } = recordingLogger();
  const options: AdyenHarnessOptions = {
    hmacKey: KEY,
    basicAuth: AUTH,
    decisionTimeoutMs: DECISION_TIMEOUT_MS,
    logger,
    onError: (error) => void calls.errors.push(error),
    async onRelayedAuthentication(payload) {
      calls.relayed.push(payload.id);
      const custom = decide.get(payload.id);
      return (custom ? await custom(payload.id) : "proceed") as "proceed";
    },
    async onAuthenticationResult(notification) {
      calls.results.push(notification.data.id);
      await sleep(20);
    },
    ...overrides,
  };
  return { calls, decide, options, entries };
}

const signed = (payload: object | string, options: { hmacKey?: string; basicAuth?: typeof AUTH | undefined } = {}) =>
  adyenSignedRequest(payload, { hmacKey: options.hmacKey ?? KEY, basicAuth: "basicAuth" in options ? options.basicAuth : AUTH });

function deliver(app: RunningApp, delivery: AdyenSignedRequest) {
  return request(app.url).post(PATH).set(delivery.headers).send(delivery.text);
}

describe.each(providerAdapters)("Adyen conformance: $name", (adapter) => {
  const main = recorder();
  // The deadline cases: handlers that decide only when the test lets them, and a store the test watches.
  const short = recorder({ decisionTimeoutMs: SHORT_DECISION_TIMEOUT_MS });
  const watch = new StoreWatch();
  const late = recorder({ decisionTimeoutMs: LATE_DECISION_TIMEOUT_MS, idempotencyStore: watch.wrap(memoryIdempotencyStore()) });
  let app: RunningApp;
  let shortApp: RunningApp;
  let lateApp: RunningApp;
  beforeAll(async () => {
    app = await adapter.startAdyen(main.options);
    shortApp = await adapter.startAdyen(short.options);
    lateApp = await adapter.startAdyen(late.options);
  });
  afterAll(async () => {
    await app?.close();
    await shortApp?.close();
    await lateApp?.close();
  });

  it("answers a relayed authentication 200 with the handler's decision", async () => {
    const approve = adyenEvents.relayed();
    const decline = adyenEvents.relayed();
    main.decide.set(decline.id as string, () => "refused");
    const approved = await deliver(app, signed(approve));
    expect(approved.status).toBe(200);
    expect(approved.headers["content-type"]).toMatch(/^application\/json/);
    expect(approved.body).toEqual(PROCEED);
    expect((await deliver(app, signed(decline))).body).toEqual(REFUSED);
    expect(main.calls.relayed).toEqual(expect.arrayContaining([approve.id, decline.id]));
  });

  it("treats a body without type but with paymentInstrumentId and purchase as relayed (older payloads)", async () => {
    const { type: _type, ...older } = adyenEvents.relayed();
    const res = await deliver(app, signed(older));
    expect(res.body).toEqual(PROCEED);
    expect(main.calls.relayed).toContain(older.id);
  });

  it("answers refused when the handler throws, and tells onError", async () => {
    const payload = adyenEvents.relayed();
    main.decide.set(payload.id as string, () => {
      throw new Error("risk engine down");
    });
    const errorsBefore = main.calls.errors.length;
    const res = await deliver(app, signed(payload));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(REFUSED);
    expect(res.text).not.toContain("risk engine");
    expect(main.calls.errors.length).toBeGreaterThan(errorsBefore);
  });

  it("answers refused by the deadline while the handler has not decided", async () => {
    const payload = adyenEvents.relayed();
    const decision = latch();
    short.decide.set(payload.id as string, () => decision.released.then(() => "proceed"));
    try {
      const started = Date.now();
      const res = await deliver(shortApp, signed(payload));
      expect(res.body).toEqual(REFUSED);
      // Answered at the 400 ms deadline, while the handler still had not decided.
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      decision.release();
    }
  });

  it("ignores a decision that comes after the deadline: a repeat gets the refused that was sent, and the handler ran once", async () => {
    const payload = adyenEvents.relayed();
    const decision = latch();
    late.decide.set(payload.id as string, () => decision.released.then(() => "proceed"));
    const delivery = signed(payload);
    expect((await deliver(lateApp, delivery)).body).toEqual(REFUSED);
    decision.release(); // the handler comes back with "proceed", after the deadline
    await watch.settled(); // and what was sent (the fallback) is recorded on its claim
    expect((await deliver(lateApp, delivery)).body).toEqual(REFUSED);
    expect(late.calls.relayed.filter((id) => id === payload.id)).toHaveLength(1);
  });

  it("answers at the route with one trailing slash as Express does (Nest on Fastify: as the host's router is set)", async () => {
    const payload = adyenEvents.relayed();
    const delivery = signed(payload);
    const res = await request(app.url).post(`${PATH}/`).set(delivery.headers).send(delivery.text);
    if (adapter.name === "nestjs-fastify") {
      // Nest strips a trailing slash from decorator paths; FastifyAdapter's ignoreTrailingSlash decides.
      expect(res.status).toBe(404);
      expect(main.calls.relayed).not.toContain(payload.id);
    } else {
      expect(res.body).toEqual(PROCEED);
    }
  });

  it("runs the handler once for 20 concurrent copies of one relayed id, all of which get its decision", async () => {
    const payload = adyenEvents.relayed();
    // "proceed", not the fallback: a copy that got the fallback instead of the decision would show. The handler
    // decides once all 20 copies have reached the server, so every copy arrives while it runs.
    const arrived = arrivals(PATH);
    main.decide.set(payload.id as string, () => arrived.reached(20).then(() => "proceed"));
    const delivery = signed(payload);
    const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(app, delivery))).finally(() => arrived.stop());
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    expect(answers.map((r) => r.body)).toEqual(answers.map(() => PROCEED));
    expect(main.calls.relayed.filter((id) => id === payload.id)).toHaveLength(1);
    // A repeat after it was answered gets the decision that was sent, without a second run.
    expect((await deliver(app, delivery)).body).toEqual(PROCEED);
    expect(main.calls.relayed.filter((id) => id === payload.id)).toHaveLength(1);
  });

  it("with unsafeProceedOnFailure, still refuses what must never be approved: another environment, unreadable, an altered body", async () => {
    const unsafe = recorder({ unsafeProceedOnFailure: true, environment: "live" });
    const unsafeApp = await adapter.startAdyen(unsafe.options);
    try {
      expect((await deliver(unsafeApp, signed(adyenEvents.relayed({ environment: "test" })))).body).toEqual(REFUSED);
      expect((await deliver(unsafeApp, signed({ type: "balancePlatform.authentication.relayed", environment: "live" }))).body).toEqual(REFUSED);
      const payload = adyenEvents.relayed({ environment: "live" });
      unsafe.decide.set(payload.id as string, () => "refused");
      expect((await deliver(unsafeApp, signed(payload))).body).toEqual(REFUSED);
      const altered = { ...payload, purchase: { ...(payload.purchase as object), originalAmount: { currency: "EUR", value: 99_999_999 } } };
      expect((await deliver(unsafeApp, signed(altered))).body).toEqual(REFUSED);
      // What the option is for: a handler that failed.
      const failing = adyenEvents.relayed({ environment: "live" });
      unsafe.decide.set(failing.id as string, () => {
        throw new Error("down");
      });
      expect((await deliver(unsafeApp, signed(failing))).body).toEqual(PROCEED);
    } finally {
      await unsafeApp.close();
    }
  });

  it("refuses a relayed id that comes again with another body, and tells onError", async () => {
    const payload = adyenEvents.relayed();
    expect((await deliver(app, signed(payload))).body).toEqual(PROCEED);
    const errorsBefore = main.calls.errors.length;
    const altered = { ...payload, purchase: { ...(payload.purchase as object), merchantName: "Someone Else" } };
    expect((await deliver(app, signed(altered))).body).toEqual(REFUSED);
    expect(main.calls.errors.length).toBe(errorsBefore + 1);
    expect(main.calls.relayed.filter((id) => id === payload.id)).toHaveLength(1);
  });

  it("refuses a missing or wrong Basic authentication with 401 and WWW-Authenticate, before anything runs", async () => {
    const payload = adyenEvents.relayed();
    const missing = await deliver(app, signed(payload, { basicAuth: undefined }));
    expect(missing.status).toBe(401);
    expect(missing.headers["www-authenticate"]).toMatch(/^Basic /);
    expect(missing.body.error.code).toBe("ADYEN_BASIC_AUTH_MISSING");
    const wrong = await deliver(app, signed(payload, { basicAuth: { ...AUTH, password: "guess" } }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers["www-authenticate"]).toMatch(/^Basic /);
    expect(wrong.body.error.code).toBe("ADYEN_BASIC_AUTH_MISMATCH");
    expect(wrong.text).not.toContain(AUTH.password);
    expect(main.calls.relayed).not.toContain(payload.id);
  });

  it("refuses a missing or wrong HmacSignature with 401 and names the likely cause", async () => {
    const payload = adyenEvents.relayed();
    const delivery = signed(payload);
    const { hmacsignature: _dropped, ...unsigned } = delivery.headers;
    const missing = await deliver(app, { ...delivery, headers: unsigned as AdyenSignedRequest["headers"] });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("ADYEN_HMAC_MISSING");
    const wrongKey = await deliver(app, signed(payload, { hmacKey: NEW_KEY }));
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body.error.code).toBe("ADYEN_HMAC_MISMATCH");
    expect(wrongKey.body.error.message).toMatch(/rotated/);
    expect(wrongKey.text).not.toContain(KEY);
    expect(main.calls.relayed).not.toContain(payload.id);
  });

  it("names re-serialisation when the body's \\/ escapes were unescaped after Adyen signed it", async () => {
    const payload = adyenEvents.relayed({ threeDSRequestorAppURL: "https://app.example/3ds" });
    const asAdyenSends = JSON.stringify(payload).replaceAll("/", "\\/");
    const delivery = signed(asAdyenSends);
    const reserialised = JSON.stringify(JSON.parse(asAdyenSends));
    expect(reserialised).not.toBe(asAdyenSends);
    const res = await deliver(app, { ...delivery, text: reserialised });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("ADYEN_HMAC_MISMATCH");
    expect(res.body.error.message).toMatch(/re-serialised/);
    expect((await deliver(app, delivery)).body).toEqual(PROCEED);
  });

  it("accepts the previous key during rotation", async () => {
    const rotated = recorder({ hmacKey: [NEW_KEY, KEY] });
    const rotatedApp = await adapter.startAdyen(rotated.options);
    try {
      expect((await deliver(rotatedApp, signed(adyenEvents.relayed(), { hmacKey: KEY }))).body).toEqual(PROCEED);
      expect((await deliver(rotatedApp, signed(adyenEvents.relayed(), { hmacKey: NEW_KEY }))).body).toEqual(PROCEED);
      expect(rotated.calls.relayed).toHaveLength(2);
      // The check values name both keys in the log; the keys themselves never appear there.
      const kcvs = rotated.entries.filter((e) => e.message.includes("HMAC key configured")).map((e) => e.fields?.kcv);
      expect(kcvs).toEqual(["9540DA", expect.stringMatching(/^[0-9A-F]{6}$/)]);
      expect(JSON.stringify(rotated.entries)).not.toContain(KEY);
      expect(JSON.stringify(rotated.entries)).not.toContain(NEW_KEY);
    } finally {
      await rotatedApp.close();
    }
  });

  it("runs a result notification delivered 3 times once, acknowledging each with [accepted]", async () => {
    const notification = adyenEvents.authenticationCreated();
    const delivery = signed(notification);
    for (let i = 0; i < 3; i++) {
      const res = await deliver(app, delivery);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ notificationResponse: "[accepted]" });
    }
    const id = (notification.data as { id: string }).id;
    expect(main.calls.results.filter((r) => r === id)).toHaveLength(1);
  });

  it("answers 500 for a result whose handler throws, so Adyen retries, and runs it again on the retry", async () => {
    let failNext = true;
    const flaky = recorder({
      async onAuthenticationResult() {
        if (failNext) {
          failNext = false;
          throw new Error("ledger unavailable");
        }
      },
    });
    const flakyApp = await adapter.startAdyen(flaky.options);
    try {
      const delivery = signed(adyenEvents.authenticationCreated());
      const first = await deliver(flakyApp, delivery);
      expect(first.status).toBe(500);
      expect(first.body.error.code).toBe("HANDLER_FAILED");
      expect(first.text).not.toContain("ledger");
      expect((await deliver(flakyApp, delivery)).status).toBe(200);
    } finally {
      await flakyApp.close();
    }
  });

  it("refuses the other environment: relayed answered refused, notifications 401", async () => {
    const live = recorder({ environment: "live" });
    const liveApp = await adapter.startAdyen(live.options);
    try {
      const relayed = await deliver(liveApp, signed(adyenEvents.relayed({ environment: "test" })));
      expect(relayed.body).toEqual(REFUSED);
      expect(live.calls.relayed).toEqual([]);
      expect(String(live.calls.errors[0])).toMatch(/test environment/);
      const result = await deliver(liveApp, signed(adyenEvents.authenticationCreated({ environment: "test" })));
      expect(result.status).toBe(401);
      expect(result.body.error.code).toBe("ADYEN_ENVIRONMENT_MISMATCH");
      expect((await deliver(liveApp, signed(adyenEvents.relayed({ environment: "live" })))).body).toEqual(PROCEED);
    } finally {
      await liveApp.close();
    }
  });

  it("acknowledges another webhook type and logs its type (never its payload); with onEvent, hands it over once", async () => {
    const other = { type: "balancePlatform.paymentInstrument.updated", environment: "test", data: { id: "PI_1", secretish: "xyz-payload" } };
    const res = await deliver(app, signed(other));
    expect(res.status).toBe(200);
    const logged = main.entries.find((e) => e.fields?.type === other.type);
    expect(logged?.level).toBe("warn");
    expect(JSON.stringify(main.entries)).not.toContain("xyz-payload");

    const withEvents = recorder({ onEvent: (webhook) => void withEvents.calls.events.push(webhook) });
    const eventsApp = await adapter.startAdyen(withEvents.options);
    try {
      const delivery = signed(other);
      expect((await deliver(eventsApp, delivery)).status).toBe(200);
      expect((await deliver(eventsApp, delivery)).status).toBe(200);
      expect(withEvents.calls.events).toEqual([other]);
    } finally {
      await eventsApp.close();
    }
  });

  it("refuses other methods and media types like every provider", async () => {
    expect((await request(app.url).get(PATH)).status).toBe(405);
    const delivery = signed(adyenEvents.relayed());
    const res = await request(app.url).post(PATH).set({ ...delivery.headers, "content-type": "text/plain" }).send(delivery.text);
    expect(res.status).toBe(415);
  });
});
