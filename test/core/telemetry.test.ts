// Telemetry off and on through the core handler, and the app's logger (pino, or the `{ info(message, fields) }`
// shape) with trace ids. Nothing is registered globally before the cases that say so: the first ones see
// @opentelemetry/api installed with no provider behind it (vitest runs each test file in its own process).
import { context, metrics, ProxyTracerProvider, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { createSiglumeWebhookHandler, type SiglumeOptions } from "@siglume-middleware/core";
import { pomeloWebhooks } from "@siglume-middleware/pomelo";
import { coreRequest as post } from "../support/core-request.js";
import { SECRET, events, signed } from "../support/events.js";
import { recordingLogger } from "../support/logger.js";
import { collectPoints, sdk } from "../support/telemetry.js";
import { until } from "../support/timing.js";

const silent = { info() {}, warn() {}, error() {} };

/** A handled delivery, its duplicate and a refused one: the three ways through the engine. */
async function deliverThree(options: Partial<SiglumeOptions<boolean>>) {
  const activeInHandler: unknown[] = [];
  const handler = createSiglumeWebhookHandler({
    webhookSecret: SECRET,
    logger: silent,
    onReview: () => {},
    onDirectPaymentConfirmed: () => void activeInHandler.push(trace.getActiveSpan()),
    ...options,
  });
  const delivery = signed(events.standardSettled());
  const statuses = [
    (await handler.handle(post(delivery))).status,
    (await handler.handle(post(delivery))).status,
    (await handler.handle(post(signed(events.standardSettled(), { secret: "whsec_wrong" })))).status,
  ];
  return { statuses, activeInHandler };
}

describe("telemetry off", () => {
  it("with the API installed and no provider registered, no span is started (not even a no-op one) and no instrument made", async () => {
    const noopTracer = new ProxyTracerProvider().getDelegate().getTracer("probe");
    const startNoop = vi.spyOn(Object.getPrototypeOf(noopTracer) as { startSpan(): unknown }, "startSpan");
    const startProxy = vi.spyOn(Object.getPrototypeOf(trace.getTracer("probe")) as { startSpan(): unknown }, "startSpan");
    const createCounter = vi.spyOn(Object.getPrototypeOf(metrics.getMeter("probe")) as { createCounter(): unknown }, "createCounter");
    const createHistogram = vi.spyOn(Object.getPrototypeOf(metrics.getMeter("probe")) as { createHistogram(): unknown }, "createHistogram");
    try {
      const { statuses, activeInHandler } = await deliverThree({});
      expect(statuses).toEqual([204, 204, 401]);
      expect(activeInHandler).toEqual([undefined]);
      expect(startNoop).not.toHaveBeenCalled();
      expect(startProxy).not.toHaveBeenCalled();
      expect(createCounter).not.toHaveBeenCalled();
      expect(createHistogram).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("telemetry: false ignores providers passed or registered: no span, no point", async () => {
    const given = sdk();
    const getTracer = vi.spyOn(given.tracerProvider, "getTracer");
    const getMeter = vi.spyOn(given.meterProvider, "getMeter");
    const { statuses } = await deliverThree({ telemetry: false });
    expect(statuses).toEqual([204, 204, 401]);
    expect(getTracer).not.toHaveBeenCalled();
    expect(getMeter).not.toHaveBeenCalled();
    expect(given.exporter.getFinishedSpans()).toEqual([]);
  });

  it("refuses a telemetry option that is not providers, naming what it expects", () => {
    const make = (telemetry: unknown) => () =>
      createSiglumeWebhookHandler({ webhookSecret: SECRET, onReview: () => {}, onDirectPaymentConfirmed: () => {}, telemetry } as SiglumeOptions<boolean>);
    expect(make(true)).toThrow(/telemetry must be false, or \{ tracerProvider\?, meterProvider\? \}/);
    expect(make({ tracerProvider: {} })).toThrow(/telemetry.tracerProvider must be an OpenTelemetry TracerProvider/);
    expect(make({ meterProvider: {} })).toThrow(/telemetry.meterProvider must be an OpenTelemetry MeterProvider/);
  });
});

describe("providers passed as `telemetry`, none registered globally", () => {
  it("the span and the metrics go to the providers given", async () => {
    const given = sdk();
    const { statuses } = await deliverThree({ telemetry: { tracerProvider: given.tracerProvider, meterProvider: given.meterProvider } });
    expect(statuses).toEqual([204, 204, 401]);
    const spans = given.exporter.getFinishedSpans();
    expect(spans.map((span) => [span.name, span.attributes["webhook.outcome"], span.attributes["http.response.status_code"]])).toEqual([
      ["webhook siglume", "handled", 204],
      ["webhook siglume", "duplicate", 204],
      ["webhook siglume", "rejected", 401],
    ]);
    const { points } = await collectPoints(given.reader);
    const deliveries = points.filter((p) => p.metric === "webhook.deliveries").map((p) => [p.attributes["webhook.outcome"], p.value]);
    expect(deliveries.sort()).toEqual([["duplicate", 1], ["handled", 1], ["rejected", 1]]);
    expect(trace.getTracerProvider()).toBeInstanceOf(ProxyTracerProvider); // nothing was registered on the way
  });
});

describe("a handler that outlives handlerTimeoutMs", () => {
  it("answers 503 with outcome timeout, error.type HANDLER_TIMEOUT and status ERROR; its duration counts once it settles", async () => {
    const given = sdk();
    let release!: () => void;
    let settled!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const done = new Promise<void>((resolve) => (settled = resolve));
    const handler = createSiglumeWebhookHandler({
      webhookSecret: SECRET,
      logger: silent,
      onError: () => {},
      handlerTimeoutMs: 50,
      telemetry: { tracerProvider: given.tracerProvider, meterProvider: given.meterProvider },
      onReview: () => {},
      onDirectPaymentConfirmed: async () => {
        await released;
        queueMicrotask(settled);
      },
    });
    expect((await handler.handle(post(signed(events.standardSettled())))).status).toBe(503);
    const [span] = given.exporter.getFinishedSpans();
    expect(span!.attributes).toMatchObject({ "webhook.outcome": "timeout", "http.response.status_code": 503, "error.type": "HANDLER_TIMEOUT" });
    expect(span!.status.code).toBe(2); // ERROR
    const before = await collectPoints(given.reader);
    expect(before.points.filter((p) => p.metric === "webhook.handler.duration")).toEqual([]);
    expect(before.points.filter((p) => p.metric === "webhook.deliveries").map((p) => p.attributes["webhook.outcome"])).toEqual(["timeout"]);
    release();
    await done;
    await until(async () => (await collectPoints(given.reader)).points.some((p) => p.metric === "webhook.handler.duration" && p.attributes["webhook.outcome"] === "timeout"), 10_000, "the late handler's duration");
  });
});

describe("the app's logger", () => {
  // From here on a context manager is registered, as an app's tracing set-up does; the tracer is passed in.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  /** A delivery whose handler throws, with no onError: the engine logs the failure inside the delivery's span. */
  async function failingDelivery(logger: object) {
    const given = sdk();
    const handler = createSiglumeWebhookHandler({
      webhookSecret: SECRET,
      logger: logger as SiglumeOptions["logger"],
      telemetry: { tracerProvider: given.tracerProvider },
      onReview: () => {},
      onDirectPaymentConfirmed: () => {
        throw new Error("ledger unavailable");
      },
    });
    expect((await handler.handle(post(signed(events.standardSettled())))).status).toBe(500);
    const [span] = given.exporter.getFinishedSpans();
    return span!.spanContext();
  }

  it("pino as it is: (fields, message), the error under err, the delivery's trace_id and span_id; none on a line outside a span", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const span = await failingDelivery(logger);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: "webhook delivery failed",
      provider: "siglume",
      err: { type: "Error", message: "ledger unavailable" },
      trace_id: span.traceId,
      span_id: span.spanId,
    });
    expect(lines[0]).not.toHaveProperty("error");

    lines.length = 0;
    const secret = Buffer.from("pino-start-up-secret-0123").toString("base64");
    pomeloWebhooks({ apiKeys: [{ key: "pk_pino", secret }], logger, onTokenEvent: () => {}, onOtp: () => {}, onReview: () => {} });
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: "Pomelo api keys configured", provider: "pomelo" })]);
    expect(lines[0]).not.toHaveProperty("trace_id");
    expect(JSON.stringify(lines)).not.toContain(secret);
  });

  it("the { info(message, fields) } shape keeps getting (message, fields), with the trace ids among the fields", async () => {
    const { entries, logger } = recordingLogger();
    const span = await failingDelivery(logger);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      level: "error",
      message: "webhook delivery failed",
      fields: { provider: "siglume", error: expect.objectContaining({ message: "ledger unavailable" }), trace_id: span.traceId, span_id: span.spanId },
    });

    entries.length = 0;
    pomeloWebhooks({ apiKeys: [{ key: "pk_plain", secret: Buffer.from("plain-secret-0123").toString("base64") }], logger, onTokenEvent: () => {}, onOtp: () => {}, onReview: () => {} });
    expect(entries.map((entry) => entry.message)).toEqual(["Pomelo api keys configured"]);
    expect(entries[0]!.fields).not.toHaveProperty("trace_id");
  });

  it("a line written while the app's own span is active carries that span's ids, with telemetry off", async () => {
    const given = sdk();
    const { entries, logger } = recordingLogger();
    const appSpan = given.tracerProvider.getTracer("app").startSpan("app.request");
    context.with(trace.setSpan(context.active(), appSpan), () =>
      pomeloWebhooks({ apiKeys: [{ key: "pk_app", secret: Buffer.from("app-span-secret-0123").toString("base64") }], logger, telemetry: false, onTokenEvent: () => {}, onOtp: () => {}, onReview: () => {} }),
    );
    appSpan.end();
    expect(entries[0]!.fields).toMatchObject({ trace_id: appSpan.spanContext().traceId, span_id: appSpan.spanContext().spanId });
  });
});
