// OpenTelemetry for this app, imported first by server.ts (before express and pg load): spans and metrics
// exported as OTLP over HTTP (JSON) to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318, an
// OpenTelemetry Collector's), Node's HTTP server and pg instrumented. The webhook library finds these
// registrations by itself: a span `webhook siglume` per delivery, child of the HTTP server span, and the
// webhook.* metrics.
import { createRequire } from "node:module";
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";

// The exporters read OTEL_EXPORTER_OTLP_ENDPOINT (or the per-signal variables) themselves.
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 15_000 })],
});

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(tracerProvider);
metrics.setGlobalMeterProvider(meterProvider);

registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new PgInstrumentation()] });
// The instrumentations patch a module when it is first required: do it now, before the app's imports load them.
const require = createRequire(import.meta.url);
require("node:http");
require("pg");

/** Exports what is still buffered (spans, the last metrics) and stops: call it before the process exits. */
export async function shutdownTelemetry(): Promise<void> {
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
}
