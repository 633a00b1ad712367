// OpenTelemetry on every adapter, for every sender: the real SDK (2.x line) registered globally, Node's HTTP
// server and pg instrumented, real HTTP and a real PostgreSQL. Each delivery is sent in a trace of its own (its
// `traceparent`), so its spans are found by trace id; metrics are collected as deltas around each case.
import { registered, pg } from "./support/telemetry-registered.js";
import { trace } from "@opentelemetry/api";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  adyenEvents,
  adyenSignedRequest,
  clearTxRequest,
  clearTxTestSigner,
  pomeloEvents,
  pomeloSignedRequest,
  signedRequest,
  siglumeEvents,
} from "@siglume-middleware/testing";
import { adapters, type HarnessOptions, type RunningApp } from "./support/apps.js";
import { providerAdapters, type AdyenHarnessOptions, type ClearTxHarnessOptions, type PomeloHarnessOptions } from "./support/provider-apps.js";
import { startPostgres, type PostgresServer } from "./support/servers.js";
import {
  collectPoints,
  exportedStrings,
  isWebhookSpan,
  newTrace,
  parentOf,
  payloadValues,
  spansOf,
  type Point,
  type ReadableSpan,
} from "./support/telemetry.js";
import { until } from "./support/timing.js";

const { exporter, reader } = registered;
const SPAN_KIND_INTERNAL = 0;
const SPAN_KIND_SERVER = 1;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

// Every secret of the suite, and every header value and payload value sent: none may appear in an export.
const SIGLUME_SECRET = "whsec_telemetry_secret_value";
const ADYEN_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
const ADYEN_AUTH = { username: "adyen-ws-user", password: "s3cret-pa55-telemetry" };
const POMELO_KEY = "pk_live_telemetry_9Hq2";
const POMELO_SECRET = Buffer.from("pomelo-telemetry-secret-0123456789").toString("base64");
const CLEARTX_SECRET = "cleartx-telemetry-secret";
const WRONG = { siglume: "whsec_not_the_secret", adyen: "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1", pomelo: Buffer.from("someone-else-0123456789abcdef").toString("base64"), cleartx: "not-the-cleartx-secret" };
const forbidden = new Set<string>([SIGLUME_SECRET, ADYEN_KEY, ADYEN_AUTH.password, POMELO_KEY, POMELO_SECRET, CLEARTX_SECRET, ...Object.values(WRONG)]);

let postgres: PostgresServer;
let pool: InstanceType<typeof pg.Pool>;
beforeAll(async () => {
  postgres = await startPostgres();
  pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
  pool.on("error", () => {});
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await postgres?.destroy();
});

/** What a handled delivery's handler does: a span of its own and a query, both children of the delivery's span. */
async function appWork(): Promise<void> {
  trace.getTracer("app").startSpan("app.work").end();
  await pool.query("SELECT 1");
}

/** Headers that say nothing secret: the media type, and Pomelo's X-Endpoint (the route's path). */
const PLAIN_HEADERS = new Set(["content-type", "x-endpoint"]);

interface Sent {
  status: number;
  body: string;
  traceId: string;
}

/** POSTs a delivery in a new trace; its headers' values, body and payload join the forbidden strings. */
async function send(app: RunningApp, path: string, delivery: { headers: Record<string, string>; text: string }, payload?: unknown): Promise<Sent> {
  for (const [name, value] of Object.entries(delivery.headers)) if (!PLAIN_HEADERS.has(name)) forbidden.add(value);
  forbidden.add(delivery.text);
  payloadValues(payload ?? JSON.parse(delivery.text), forbidden);
  const { traceId, traceparent } = newTrace();
  const res = await fetch(`${app.url}${path}`, { method: "POST", headers: { ...delivery.headers, traceparent }, body: delivery.text });
  return { status: res.status, body: await res.text(), traceId };
}

interface Expected {
  provider: string;
  route: string;
  outcome: string;
  status: number;
  eventType?: string;
  errorType?: string;
  /** Span events, in order. */
  events?: { name: string; attributes?: Record<string, unknown> }[];
  /** The handler did its work: app.work and the pg query are children of the delivery's span. */
  work?: boolean;
}

/** The delivery's span, as the contract says, a child of the HTTP server span; with `work`, the handler's spans its children. */
async function expectSpan(sent: Sent, expected: Expected): Promise<ReadableSpan> {
  expect(sent.status).toBe(expected.status);
  const ready = (spans: ReadableSpan[]) =>
    spans.some(isWebhookSpan) &&
    spans.some((s) => s.kind === SPAN_KIND_SERVER) &&
    (!expected.work || (spans.some((s) => s.name === "app.work") && spans.some((s) => s.name.startsWith("pg.query"))));
  await until(() => ready(spansOf(exporter, sent.traceId)), 10_000, "the delivery's spans");
  const spans = spansOf(exporter, sent.traceId);
  const ours = spans.filter(isWebhookSpan);
  expect(ours).toHaveLength(1);
  const span = ours[0]!;
  expect(span.name).toBe(`webhook ${expected.provider}`);
  expect(span.kind).toBe(SPAN_KIND_INTERNAL);
  expect(span.instrumentationScope.name).toBe("@siglume-middleware/core");
  expect(span.attributes).toEqual({
    "webhook.provider": expected.provider,
    "webhook.route": expected.route,
    "webhook.outcome": expected.outcome,
    "http.response.status_code": expected.status,
    ...(expected.eventType === undefined ? {} : { "webhook.event.type": expected.eventType }),
    ...(expected.errorType === undefined ? {} : { "error.type": expected.errorType }),
  });
  // As HTTP servers do: only a 5xx is the span's error.
  expect(span.status.code).toBe(expected.status >= 500 ? STATUS_ERROR : STATUS_UNSET);
  if (expected.events) {
    expect(span.events.map((e) => ({ name: e.name, ...(e.attributes && Object.keys(e.attributes).length > 0 ? { attributes: e.attributes } : {}) }))).toEqual(expected.events);
  }
  const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
  expect(server.instrumentationScope.name).toBe("@opentelemetry/instrumentation-http");
  expect(parentOf(span)).toBe(server.spanContext().spanId);
  if (expected.work) {
    const work = spans.find((s) => s.name === "app.work")!;
    const query = spans.find((s) => s.name.startsWith("pg.query"))!;
    expect(query.instrumentationScope.name).toBe("@opentelemetry/instrumentation-pg");
    expect(parentOf(work)).toBe(span.spanContext().spanId);
    expect(parentOf(query)).toBe(span.spanContext().spanId);
  }
  return span;
}

const collected: ResourceMetrics[] = [];

/** The webhook.* points recorded since the case began (histograms as their count), in a stable order. */
async function webhookPoints(): Promise<Omit<Point, "count" | "sum">[]> {
  const { points, raw } = await collectPoints(reader);
  collected.push(raw);
  return points
    .filter((p) => p.metric.startsWith("webhook."))
    .map(({ metric, attributes, value }) => ({ metric, attributes, value }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const sorted = <T>(points: T[]) => [...points].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const deliveries = (provider: string, outcome: string, status: number, value = 1): Omit<Point, "count" | "sum"> => ({
  metric: "webhook.deliveries",
  attributes: { "webhook.provider": provider, "webhook.outcome": outcome, "http.response.status_code": status },
  value,
});
const duration = (provider: string, outcome: string, count = 1): Omit<Point, "count" | "sum"> => ({
  metric: "webhook.handler.duration",
  attributes: { "webhook.provider": provider, "webhook.outcome": outcome },
  value: count,
});
const reviews = (provider: string, reason: string): Omit<Point, "count" | "sum"> => ({
  metric: "webhook.reviews",
  attributes: { "webhook.provider": provider, "webhook.review.reason": reason },
  value: 1,
});

/** Nothing sent so far (secrets, signature headers, bodies, payload values, OTP codes) is in any export. */
function expectNothingForbiddenExported(): void {
  const strings = exportedStrings(exporter.getFinishedSpans(), collected);
  expect(strings.length).toBeGreaterThan(0);
  const leaks = [...forbidden].filter((secret) => strings.some((s) => s.includes(secret)));
  expect(leaks).toEqual([]);
}

beforeEach(async () => {
  await webhookPoints(); // what earlier cases recorded is not this case's
});

const CLAIMED = { name: "webhook.idempotency.claim", attributes: { "webhook.claim.result": "claimed" } };
const COMPLETED = { name: "webhook.idempotency.claim", attributes: { "webhook.claim.result": "completed" } };

type Delivery = { headers: Record<string, string>; text: string };

/** A delivery and its repeat: handled (the handler's span and query nested), then duplicate; their points. The first answer. */
async function expectHandledThenDuplicate(app: RunningApp, route: string, delivery: Delivery, expected: { provider: string; status: number; eventType: string }): Promise<Sent> {
  const { provider, status } = expected;
  const first = await send(app, route, delivery);
  await expectSpan(first, { ...expected, route, outcome: "handled", events: [CLAIMED], work: true });
  await expectSpan(await send(app, route, delivery), { ...expected, route, outcome: "duplicate", events: [COMPLETED] });
  expect(await webhookPoints()).toEqual(sorted([deliveries(provider, "handled", status), deliveries(provider, "duplicate", status), duration(provider, "handled")]));
  return first;
}

/** A refused delivery: rejected 401 with its code as error.type, not a span error; one point. */
async function expectRejected(app: RunningApp, route: string, delivery: Delivery, provider: string, errorType: string): Promise<void> {
  await expectSpan(await send(app, route, delivery), { provider, route, outcome: "rejected", status: 401, errorType, events: [] });
  expect(await webhookPoints()).toEqual([deliveries(provider, "rejected", 401)]);
}

describe.each(adapters)("telemetry: Siglume on $name", (adapter) => {
  const ROUTE = "/webhooks/siglume";
  const failing = new Set<string>();
  const reviewed: string[] = [];
  /** Events whose handler says it entered, then waits to be released. */
  const holding = new Map<string, { entered: () => void; released: Promise<void> }>();
  const options: HarnessOptions = {
    webhookSecret: SIGLUME_SECRET,
    allowMeteredPayments: false,
    async onDirectPaymentConfirmed(confirmation) {
      const hold = holding.get(confirmation.event.id);
      if (hold) {
        hold.entered();
        await hold.released;
      }
      if (failing.has(confirmation.event.id)) throw new Error("ledger unavailable");
      await appWork();
    },
    onReview: (review) => void reviewed.push(review.reason),
    onError: () => {},
    logger: { info() {}, warn() {}, error() {} },
  };
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.start(options);
  });
  afterAll(() => app?.close());
  afterAll(expectNothingForbiddenExported);

  const signed = (event: object, secret = SIGLUME_SECRET) => signedRequest(event as never, { secret }) as unknown as { headers: Record<string, string>; text: string };

  it("a handled event and its duplicate: one span each, the handler's span and query its children; deliveries and handler duration", async () => {
    await expectHandledThenDuplicate(app, ROUTE, signed(siglumeEvents.standardSettled()), { provider: "siglume", status: 204, eventType: "direct_payment.confirmed" });
  });

  it("a wrong secret: rejected 401 with error.type SIGNATURE_MISMATCH, not a span error", async () => {
    await expectRejected(app, ROUTE, signed(siglumeEvents.standardSettled(), WRONG.siglume), "siglume", "SIGNATURE_MISMATCH");
  });

  it("Micro usage without metered payments: review, counted in webhook.reviews with its reason", async () => {
    const sent = await send(app, ROUTE, signed(siglumeEvents.meteredUsageAccepted()));
    await expectSpan(sent, { provider: "siglume", route: ROUTE, outcome: "review", status: 204, eventType: "direct_payment.confirmed", events: [CLAIMED] });
    expect(reviewed).toContain("metered_integration_required");
    expect(await webhookPoints()).toEqual(
      sorted([deliveries("siglume", "review", 204), duration("siglume", "review"), reviews("siglume", "metered_integration_required")]),
    );
  });

  it("the event again while its first delivery runs: in_flight 409 EVENT_IN_FLIGHT, not a span error; then the first is handled", async () => {
    const event = siglumeEvents.standardSettled();
    let entered!: () => void;
    let release!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    holding.set(event.id, { entered, released: new Promise<void>((resolve) => (release = resolve)) });
    const delivery = signed(event);
    const first = send(app, ROUTE, delivery);
    await inHandler;
    const TYPE = { provider: "siglume", route: ROUTE, eventType: "direct_payment.confirmed" };
    const IN_FLIGHT = { name: "webhook.idempotency.claim", attributes: { "webhook.claim.result": "in_flight" } };
    await expectSpan(await send(app, ROUTE, delivery), { ...TYPE, outcome: "in_flight", status: 409, errorType: "EVENT_IN_FLIGHT", events: [IN_FLIGHT] });
    release();
    await expectSpan(await first, { ...TYPE, outcome: "handled", status: 204, events: [CLAIMED], work: true });
    expect(await webhookPoints()).toEqual(sorted([deliveries("siglume", "in_flight", 409), deliveries("siglume", "handled", 204), duration("siglume", "handled")]));
  });

  it("a throwing handler: failed 500 HANDLER_FAILED, span status ERROR", async () => {
    const event = siglumeEvents.standardSettled();
    failing.add(event.id);
    const sent = await send(app, ROUTE, signed(event));
    await expectSpan(sent, { provider: "siglume", route: ROUTE, outcome: "failed", status: 500, eventType: "direct_payment.confirmed", errorType: "HANDLER_FAILED", events: [CLAIMED] });
    expect(await webhookPoints()).toEqual(sorted([deliveries("siglume", "failed", 500), duration("siglume", "failed")]));
  });
});

describe.each(adapters)("telemetry: false on $name, providers registered", (adapter) => {
  const ROUTE = "/webhooks/siglume";
  const options: HarnessOptions = {
    webhookSecret: SIGLUME_SECRET,
    telemetry: false,
    onDirectPaymentConfirmed: () => appWork(),
    onReview: () => {},
    onError: () => {},
    logger: { info() {}, warn() {}, error() {} },
  };
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.start(options);
  });
  afterAll(() => app?.close());

  it("no delivery span and no webhook.* point; the handler's span and query stay children of the HTTP server span", async () => {
    const sent = await send(app, ROUTE, signedRequest(siglumeEvents.standardSettled(), { secret: SIGLUME_SECRET }) as never);
    expect(sent.status).toBe(204);
    await until(() => spansOf(exporter, sent.traceId).some((s) => s.kind === SPAN_KIND_SERVER) && spansOf(exporter, sent.traceId).some((s) => s.name.startsWith("pg.query")), 10_000, "the request's spans");
    const spans = spansOf(exporter, sent.traceId);
    expect(spans.filter(isWebhookSpan)).toEqual([]);
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    expect(parentOf(spans.find((s) => s.name === "app.work")!)).toBe(server.spanContext().spanId);
    expect(await webhookPoints()).toEqual([]);
  });
});

describe.each(providerAdapters)("telemetry: Adyen on $name", (adapter) => {
  const ROUTE = "/webhooks/adyen/authentication";
  const RELAYED = "balancePlatform.authentication.relayed";
  const CREATED = "balancePlatform.authentication.created";
  const decide = new Map<string, () => Promise<"proceed" | "refused">>();
  const failing = new Set<string>();
  const options: AdyenHarnessOptions = {
    hmacKey: ADYEN_KEY,
    basicAuth: ADYEN_AUTH,
    decisionTimeoutMs: 400,
    logger: { info() {}, warn() {}, error() {} },
    onError: () => {},
    async onRelayedAuthentication(payload) {
      const custom = decide.get(payload.id);
      if (custom) return custom();
      await appWork();
      return "proceed";
    },
    async onAuthenticationResult(notification) {
      if (failing.has(notification.data.id)) throw new Error("ledger unavailable");
      await appWork();
    },
  };
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.startAdyen(options);
  });
  afterAll(() => app?.close());
  afterAll(expectNothingForbiddenExported);

  const signed = (payload: object, hmacKey = ADYEN_KEY) => adyenSignedRequest(payload, { hmacKey, basicAuth: ADYEN_AUTH }) as unknown as { headers: Record<string, string>; text: string };

  it("a relayed decision and its repeat: handled, then duplicate; the handler's span and query are children", async () => {
    const first = await expectHandledThenDuplicate(app, ROUTE, signed(adyenEvents.relayed()), { provider: "adyen", status: 200, eventType: RELAYED });
    expect(JSON.parse(first.body)).toEqual({ authenticationDecision: { status: "proceed" } });
  });

  it("a wrong HMAC key: rejected 401 ADYEN_HMAC_MISMATCH, not a span error", async () => {
    await expectRejected(app, ROUTE, signed(adyenEvents.authenticationCreated(), WRONG.adyen), "adyen", "ADYEN_HMAC_MISMATCH");
  });

  it("a result whose handler throws: failed 500, span status ERROR", async () => {
    const payload = adyenEvents.authenticationCreated();
    failing.add((payload.data as { id: string }).id);
    const sent = await send(app, ROUTE, signed(payload));
    await expectSpan(sent, { provider: "adyen", route: ROUTE, outcome: "failed", status: 500, eventType: CREATED, errorType: "HANDLER_FAILED", events: [CLAIMED] });
    expect(await webhookPoints()).toEqual(sorted([deliveries("adyen", "failed", 500), duration("adyen", "failed")]));
  });

  it("a relayed decision past its deadline: timeout, the deadline event, the fallback answered; the handler's duration once it settles", async () => {
    const payload = adyenEvents.relayed();
    let release!: () => void;
    let settled!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const done = new Promise<void>((resolve) => (settled = resolve));
    decide.set(payload.id as string, async () => {
      await gate;
      settled();
      return "proceed";
    });
    const sent = await send(app, ROUTE, signed(payload));
    expect(JSON.parse(sent.body)).toEqual({ authenticationDecision: { status: "refused" } });
    await expectSpan(sent, {
      provider: "adyen",
      route: ROUTE,
      outcome: "timeout",
      status: 200,
      eventType: RELAYED,
      errorType: "DECISION_DEADLINE",
      events: [CLAIMED, { name: "webhook.decision.deadline" }],
    });
    release();
    await done;
    await until(async () => (await peekDuration("adyen", "timeout")) > 0, 10_000, "the late handler's duration");
    expect(durationSeen).toBe(1);
  });
});

// The timeout case's handler settles after the answer: its duration is recorded then (collected here as it comes).
let durationSeen = 0;
async function peekDuration(provider: string, outcome: string): Promise<number> {
  const points = await webhookPoints();
  for (const point of points) {
    if (point.metric === "webhook.deliveries") expect(point).toEqual(deliveries(provider, outcome, 200));
    else if (point.metric === "webhook.handler.duration") {
      expect(point).toEqual(duration(provider, outcome));
      durationSeen += point.value;
    } else throw new Error(`unexpected ${point.metric}`);
  }
  return durationSeen;
}
beforeEach(() => {
  durationSeen = 0;
});

describe.each(providerAdapters)("telemetry: Pomelo on $name", (adapter) => {
  const TOKENS = "/webhooks/pomelo/tokens";
  const OTP = "/webhooks/pomelo/otp";
  const failing = new Set<string>();
  const codes: string[] = [];
  const options: PomeloHarnessOptions = {
    apiKeys: [{ key: POMELO_KEY, secret: POMELO_SECRET }],
    logger: { info() {}, warn() {}, error() {} },
    onError: () => {},
    onTokenEvent: () => appWork(),
    async onOtp(otp) {
      if (otp.code !== undefined) codes.push(otp.code);
      if (otp.eventId !== undefined && failing.has(otp.eventId)) throw new Error("SMS gateway down");
      await appWork();
    },
    onReview: () => {},
  };
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.startPomelo(options);
  });
  afterAll(() => app?.close());
  afterAll(expectNothingForbiddenExported);

  const signed = (payload: object, endpoint: string, apiSecret = POMELO_SECRET) =>
    pomeloSignedRequest(payload, { apiKey: POMELO_KEY, apiSecret, endpoint }) as unknown as { headers: Record<string, string>; text: string };

  it("a token event and its duplicate: handled, then duplicate", async () => {
    await expectHandledThenDuplicate(app, TOKENS, signed(pomeloEvents.tokenUpdated(), TOKENS), { provider: "pomelo", status: 204, eventType: "token" });
  });

  it("an OTP: handled, and its code is nowhere in the export", async () => {
    const otp = pomeloEvents.otp();
    await expectSpan(await send(app, OTP, signed(otp, OTP)), { provider: "pomelo", route: OTP, outcome: "handled", status: 204, eventType: "otp", events: [CLAIMED], work: true });
    expect(codes).toContain(otp.otp);
    expect(forbidden).toContain(otp.otp);
    expect(await webhookPoints()).toEqual(sorted([deliveries("pomelo", "handled", 204), duration("pomelo", "handled")]));
    expectNothingForbiddenExported();
  });

  it("a wrong api secret: rejected 401 POMELO_SIGNATURE_MISMATCH, not a span error", async () => {
    await expectRejected(app, OTP, signed(pomeloEvents.otp(), OTP, WRONG.pomelo), "pomelo", "POMELO_SIGNATURE_MISMATCH");
  });

  it("a token event it cannot read: review, counted with its reason", async () => {
    const unreadable = { event_id: `evt-odd-${Date.now()}`, whatever: "cardholder Jane Roe" };
    await expectSpan(await send(app, TOKENS, signed(unreadable, TOKENS)), { provider: "pomelo", route: TOKENS, outcome: "review", status: 204, eventType: "review", events: [CLAIMED] });
    expect(await webhookPoints()).toEqual(sorted([deliveries("pomelo", "review", 204), duration("pomelo", "review"), reviews("pomelo", "unreadable_token_event")]));
  });

  it("an OTP whose handler throws: failed 500, span status ERROR, no code exported", async () => {
    const otp = pomeloEvents.otp();
    failing.add(otp.event_id);
    const sent = await send(app, OTP, signed(otp, OTP));
    await expectSpan(sent, { provider: "pomelo", route: OTP, outcome: "failed", status: 500, eventType: "otp", errorType: "HANDLER_FAILED", events: [CLAIMED] });
    expect(await webhookPoints()).toEqual(sorted([deliveries("pomelo", "failed", 500), duration("pomelo", "failed")]));
    expectNothingForbiddenExported();
  });
});

describe.each(providerAdapters)("telemetry: ClearTX on $name", (adapter) => {
  const signer = clearTxTestSigner(CLEARTX_SECRET);
  const failing = new Set<string>();
  // No onConfirmedData: /confirmed-data (IVMS.101 personal data) goes to review.
  const options: ClearTxHarnessOptions = {
    verify: signer.verify,
    logger: { info() {}, warn() {}, error() {} },
    onError: () => {},
    async onNotification(notification) {
      if (failing.has(notification.transactionRef)) throw new Error("compliance ledger unavailable");
      await appWork();
    },
    onReview: async () => {},
  };
  let app: RunningApp;
  beforeAll(async () => {
    app = await adapter.startClearTx(options);
  });
  afterAll(() => app?.close());
  afterAll(expectNothingForbiddenExported);

  const request = (kind: Parameters<typeof clearTxRequest>[0], secret = CLEARTX_SECRET) => clearTxRequest(kind, undefined, { sign: clearTxTestSigner(secret).sign });
  const sendRequest = (delivery: ReturnType<typeof request>) => send(app, delivery.path, delivery);

  it("a notification and its duplicate: handled, then duplicate", async () => {
    const delivery = request("confirmed");
    await expectHandledThenDuplicate(app, delivery.path, delivery, { provider: "cleartx", status: 200, eventType: "cleartx.confirmed" });
  });

  it("a wrong signature: rejected 401 CLEARTX_VERIFICATION_FAILED, not a span error", async () => {
    const delivery = request("declined", WRONG.cleartx);
    await expectRejected(app, delivery.path, delivery, "cleartx", "CLEARTX_VERIFICATION_FAILED");
  });

  it("IVMS.101 data with no handler for it: review with its reason, no personal data exported", async () => {
    const delivery = request("confirmed-data");
    await expectSpan(await sendRequest(delivery), { provider: "cleartx", route: delivery.path, outcome: "review", status: 200, eventType: "cleartx.confirmed-data", events: [CLAIMED] });
    expect(forbidden).toContain("Yılmaz");
    expect(await webhookPoints()).toEqual(sorted([deliveries("cleartx", "review", 200), duration("cleartx", "review"), reviews("cleartx", "unhandled_confirmed_data")]));
    expectNothingForbiddenExported();
  });

  it("a throwing handler: failed 500, span status ERROR", async () => {
    const delivery = request("rejected");
    failing.add((JSON.parse(delivery.text) as { transactionRef: string }).transactionRef);
    await expectSpan(await sendRequest(delivery), { provider: "cleartx", route: delivery.path, outcome: "failed", status: 500, eventType: "cleartx.rejected", errorType: "HANDLER_FAILED", events: [CLAIMED] });
    expect(await webhookPoints()).toEqual(sorted([deliveries("cleartx", "failed", 500), duration("cleartx", "failed")]));
  });
});
