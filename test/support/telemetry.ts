// The real OpenTelemetry SDK (the 2.x line, API 1.9, which runs on Node 20) for the telemetry tests: spans
// into an in-memory exporter, metrics through a reader the test collects. Registration is process-wide, so
// only telemetry test files import this (vitest runs each test file in its own process).
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { context, metrics, propagation, trace, type Attributes } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type pgTypes from "pg";

export type { ReadableSpan };

/** A reader the test collects when it wants: every collection holds what was recorded since the last one. */
export class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A tracer provider exporting into memory, and a meter provider read by a CollectingReader: not registered. */
export function sdk() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { exporter, tracerProvider, reader, meterProvider };
}

export type Sdk = ReturnType<typeof sdk>;

/** Registers `sdk` as the process's global providers, with the AsyncLocalStorage context manager and W3C propagation. */
export function registerGlobally(registered: Sdk): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(registered.tracerProvider);
  metrics.setGlobalMeterProvider(registered.meterProvider);
}

/**
 * Instruments Node's HTTP server (incoming requests only: the test's own requests carry the trace it picks in
 * `traceparent`) and `pg`, as an app does with @opentelemetry/instrumentation-{http,pg}. Call before the
 * frameworks load; the `pg` it returns is the instrumented module.
 */
export function instrumentHttpAndPg(): typeof pgTypes {
  registerInstrumentations({
    instrumentations: [new HttpInstrumentation({ disableOutgoingRequestInstrumentation: true }), new PgInstrumentation()],
  });
  const require = createRequire(import.meta.url);
  require("node:http"); // the hook patches http.Server on this first require after registration
  return require("pg") as typeof pgTypes;
}

/** A new trace to send a delivery in: its id, and the `traceparent` header that starts it. */
export function newTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString("hex");
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` };
}

/** Every exported span of one trace. */
export const spansOf = (exporter: InMemorySpanExporter, traceId: string) =>
  exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);

/** Our delivery spans ("webhook <provider>"). */
export const isWebhookSpan = (span: ReadableSpan) => span.name.startsWith("webhook ");

export const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** One data point of a metric, flattened: its attributes and its value (a sum, or a histogram's count and sum). */
export interface Point {
  metric: string;
  attributes: Attributes;
  value: number;
  count?: number;
  sum?: number;
}

/** Everything collected since the last collection, flattened (metrics of other scopes included). */
export async function collectPoints(reader: MetricReader): Promise<{ points: Point[]; raw: ResourceMetrics }> {
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new AggregateError(errors, "metric collection failed");
  const points: Point[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints) {
        const value = point.value as number | { count: number; sum?: number };
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          const histogram = value as { count: number; sum?: number };
          points.push({ metric: metric.descriptor.name, attributes: point.attributes, value: histogram.count, count: histogram.count, sum: histogram.sum ?? 0 });
        } else {
          points.push({ metric: metric.descriptor.name, attributes: point.attributes, value: value as number });
        }
      }
    }
  }
  return { points, raw: resourceMetrics };
}

/** Every string an export carries (span names, attribute values and keys, event names and attributes, status messages; metric attributes). */
export function exportedStrings(spans: readonly ReadableSpan[], metricExports: readonly ResourceMetrics[]): string[] {
  const out: string[] = [];
  const attributes = (attrs: Attributes | undefined) => {
    for (const [key, value] of Object.entries(attrs ?? {})) {
      out.push(key);
      for (const item of [value].flat()) if (item !== undefined && item !== null) out.push(String(item));
    }
  };
  for (const span of spans) {
    out.push(span.name);
    attributes(span.attributes);
    if (span.status.message) out.push(span.status.message);
    for (const event of span.events) {
      out.push(event.name);
      attributes(event.attributes);
    }
    for (const link of span.links) attributes(link.attributes);
  }
  for (const resourceMetrics of metricExports) {
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        out.push(metric.descriptor.name, metric.descriptor.description);
        for (const point of metric.dataPoints) attributes(point.attributes);
      }
    }
  }
  return out;
}

/** Keys whose values are not secret and may be exported (the contract: event ids, challenge hashes, types). */
const EXPORTABLE_FIELDS = new Set(["id", "event_id", "type", "challenge_hash", "api_version", "occurred_at", "timestamp", "date", "environment", "status", "protocol"]);

/**
 * The values of a payload that must never be exported: every string leaf of at least 6 characters (ids of
 * cards, users and transfers, names, account numbers, OTP codes, hashes), except the fields above and plain
 * lower-case words ("payment", "challenge": vocabulary, which our own names may contain).
 */
export function payloadValues(payload: unknown, into: Set<string>): void {
  if (typeof payload === "string") {
    if (payload.length >= 6 && !/^[a-z_]+$/.test(payload)) into.add(payload);
  } else if (typeof payload === "number") {
    if (String(payload).length >= 6) into.add(String(payload));
  } else if (Array.isArray(payload)) {
    for (const item of payload) payloadValues(item, into);
  } else if (payload !== null && typeof payload === "object") {
    for (const [key, value] of Object.entries(payload)) if (!EXPORTABLE_FIELDS.has(key)) payloadValues(value, into);
  }
}
