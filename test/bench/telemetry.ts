// The telemetry row's server setup: the OpenTelemetry SDK registered globally, as an app does it (an async
// context manager, a tracer provider with the batch span processor, a meter provider with a periodic reader),
// exporting to nowhere so that only the cost of recording is measured.
import { context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";

/** Counts the spans it is given and drops them. */
export const discardingExporter = { spans: 0 } as SpanExporter & { spans: number };
discardingExporter.export = (spans, done) => {
  discardingExporter.spans += spans.length;
  done({ code: 0 });
};
discardingExporter.shutdown = async () => {};

export function startTelemetry(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discardingExporter)] }));
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA),
    exportIntervalMillis: 10_000,
  });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
}
