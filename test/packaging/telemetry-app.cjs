// Run by telemetry-sdk.test.ts inside an app that installed @siglume-middleware/core's tarball with
// @opentelemetry/api 1.10 and the SDK's 3.x line (@opentelemetry/sdk-trace, Node >= 22.15).
// `node telemetry-app.cjs esm|cjs input.json`: the app loads the API, the SDK and the core as ES modules (the API's
// ESM build) or with require (its CommonJS build); the core loads the API itself, as the app installed it.
// Reads { secret, failing: [event ids], deliveries: [{ headers, text }] } from input.json; prints what was
// answered, exported and logged as one JSON line on stdout.
const mode = process.argv[2];
const load = (name) => (mode === "esm" ? import(name) : Promise.resolve(require(name)));

async function main() {
  const input = JSON.parse(require("node:fs").readFileSync(process.argv[3], "utf8"));
  const [api, hooks, sdkTrace, sdkMetrics, core] = await Promise.all(
    ["@opentelemetry/api", "@opentelemetry/context-async-hooks", "@opentelemetry/sdk-trace", "@opentelemetry/sdk-metrics", "@siglume-middleware/core"].map(load),
  );
  api.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  const exporter = new sdkTrace.InMemorySpanExporter();
  const tracerProvider = new sdkTrace.TracerProvider({ spanProcessors: [new sdkTrace.SimpleSpanProcessor({ exporter })] });
  api.trace.setGlobalTracerProvider(tracerProvider);
  class Reader extends sdkMetrics.MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  const reader = new Reader();
  api.metrics.setGlobalMeterProvider(new sdkMetrics.MeterProvider({ readers: [reader] }));

  const logs = [];
  const line = (level) => (message, fields) => logs.push({ level, message, trace_id: fields?.trace_id, span_id: fields?.span_id });
  const handler = core.createSiglumeWebhookHandler({
    webhookSecret: input.secret,
    logger: { info: line("info"), warn: line("warn"), error: line("error") },
    onReview: () => {},
    onDirectPaymentConfirmed: (payment) => {
      api.trace.getTracer("app").startSpan("app.work").end();
      if (input.failing.includes(payment.event.id)) throw new Error("ledger unavailable");
    },
  });
  const statuses = [];
  for (const delivery of input.deliveries) {
    const response = await handler.handle({
      method: "POST",
      header: (name) => delivery.headers[name],
      readBody: async () => Buffer.from(delivery.text),
      request: null,
    });
    statuses.push(response.status);
  }
  await tracerProvider.forceFlush(); // SimpleSpanProcessor exports asynchronously in 3.x
  const spans = exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
    status: span.status.code,
    events: span.events.map((event) => event.name),
  }));
  const { resourceMetrics } = await reader.collect();
  const points = resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.flatMap((metric) =>
      metric.dataPoints.map((point) => ({
        metric: metric.descriptor.name,
        attributes: point.attributes,
        value: typeof point.value === "number" ? point.value : point.value.count,
      })),
    ),
  );
  process.stdout.write(`${JSON.stringify({ statuses, spans, points, logs, node: process.versions.node })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
