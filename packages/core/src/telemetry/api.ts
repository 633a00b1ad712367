// The part of @opentelemetry/api the engine uses, typed structurally: the API is an optional peer dependency,
// so the published types must not name it (an app without it installed would fail to compile ours).
import { loadOptional } from "../platform/index.js";

/** Attribute values as OpenTelemetry takes them. */
export type TelemetryAttributes = Record<string, string | number | boolean>;

/** A span, as far as the engine touches one. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  addEvent(name: string, attributes?: TelemetryAttributes): unknown;
  isRecording(): boolean;
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
  end(): void;
}

/** A tracer provider (the SDK's, registered globally or passed as `telemetry.tracerProvider`). */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): {
    startSpan(name: string, options?: { kind?: number; attributes?: TelemetryAttributes }, context?: unknown): SpanLike;
  };
}

/** A meter provider (the SDK's, registered globally or passed as `telemetry.meterProvider`). */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): {
    createCounter(name: string, options?: { description?: string; unit?: string }): { add(value: number, attributes?: TelemetryAttributes): void };
    createHistogram(
      name: string,
      options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: number[] } },
    ): { record(value: number, attributes?: TelemetryAttributes): void };
  };
}

/** The members of @opentelemetry/api's module the engine reads. */
export interface OtelApi {
  trace: {
    getTracerProvider(): TracerProviderLike;
    getActiveSpan(): SpanLike | undefined;
    setSpan(context: unknown, span: SpanLike): unknown;
  };
  metrics: { getMeterProvider(): MeterProviderLike };
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  ProxyTracerProvider: new () => TracerProviderLike & { getDelegate(): TracerProviderLike };
  createNoopMeter(): unknown;
}

let api: OtelApi | undefined;
let loading = false;
let pending: Promise<void> | undefined;

function accept(module: unknown): void {
  const candidate = module as Partial<OtelApi> | undefined;
  if (
    typeof candidate?.trace?.getTracerProvider === "function" &&
    typeof candidate.context?.with === "function" &&
    typeof candidate.ProxyTracerProvider === "function"
  ) {
    api = candidate as OtelApi;
  }
}

function load(): void {
  loading = true;
  const loaded = loadOptional("@opentelemetry/api");
  if (!(loaded instanceof Promise)) return accept(loaded);
  pending = loaded.then(accept, () => undefined).finally(() => (pending = undefined));
}

/**
 * The app's @opentelemetry/api, once loaded (its own copy, so registrations made through it are the ones read).
 * Undefined while it is loading (off Node, a dynamic import) and where it is not installed.
 */
export function otelApi(): OtelApi | undefined {
  if (!loading) load();
  return api;
}

/**
 * While the API is being loaded (off Node: a dynamic import, started by the first provider made), a Promise
 * that settles once it is loaded or known to be absent; undefined otherwise (always on Node, which loads it at once).
 */
export function otelApiPending(): Promise<void> | undefined {
  if (!loading) load();
  return pending;
}
