// OpenTelemetry for every delivery: one span, three instruments. Off (and free) unless the app registered
// providers with @opentelemetry/api or passed them as `telemetry`; `telemetry: false` turns it off for good.
// Never an attribute from a payload, a header, a key or a code: provider, route, outcome, status, event type,
// error code and review reason only.
import { otelApi, otelApiPending, type MeterProviderLike, type OtelApi, type SpanLike, type TracerProviderLike } from "./api.js";
import { monotonicNow } from "../platform/timers.js";

export type { MeterProviderLike, SpanLike, TracerProviderLike };

/** The `telemetry` option: providers to use instead of the global ones, or `false` for none. */
export interface TelemetryOptions {
  /** Default: the one registered with @opentelemetry/api (`trace.setGlobalTracerProvider`, the SDK's start()). */
  tracerProvider?: TracerProviderLike | undefined;
  /** Default: the one registered with @opentelemetry/api (`metrics.setGlobalMeterProvider`). */
  meterProvider?: MeterProviderLike | undefined;
}

/** How a delivery ended, as `webhook.outcome` says it. */
export type DeliveryOutcome = "handled" | "duplicate" | "review" | "rejected" | "in_flight" | "failed" | "timeout";

const SCOPE = "@siglume-middleware/core";
const SPAN_KIND_INTERNAL = 0;
const STATUS_ERROR = 2;

interface Instruments {
  deliveries: ReturnType<ReturnType<MeterProviderLike["getMeter"]>["createCounter"]>;
  reviews: ReturnType<ReturnType<MeterProviderLike["getMeter"]>["createCounter"]>;
  duration: ReturnType<ReturnType<MeterProviderLike["getMeter"]>["createHistogram"]>;
}

/** One engine's telemetry: the providers are looked up per delivery, so a registration after start-up counts. */
export class EngineTelemetry {
  private tracerFrom: TracerProviderLike | undefined;
  private tracer: ReturnType<TracerProviderLike["getTracer"]> | undefined;
  private meterFrom: MeterProviderLike | undefined;
  private instruments: Instruments | undefined;
  private noopTracerProvider: TracerProviderLike | undefined;
  private noopMeter: unknown;

  constructor(
    private readonly provider: string,
    private readonly options: TelemetryOptions,
  ) {
    otelApi(); // starts loading the API where that is asynchronous
  }

  /**
   * While @opentelemetry/api is still being loaded (off Node: a dynamic import started when the provider was
   * made), a Promise to wait for before tracing a delivery; undefined once it is settled, and always on Node.
   */
  pending(): Promise<void> | undefined {
    return otelApiPending();
  }

  /** A delivery's trace, or undefined when nothing records it (no API, no provider registered). */
  begin(route: string): DeliveryTrace | undefined {
    const api = otelApi();
    if (api === undefined) return undefined;
    const tracer = this.currentTracer(api);
    const instruments = this.currentInstruments(api);
    if (tracer === undefined && instruments === undefined) return undefined;
    return new DeliveryTrace(api, this.provider, route, tracer, instruments);
  }

  private currentTracer(api: OtelApi): ReturnType<TracerProviderLike["getTracer"]> | undefined {
    let provider = this.options.tracerProvider ?? api.trace.getTracerProvider();
    const delegate = (provider as { getDelegate?: () => TracerProviderLike }).getDelegate;
    if (typeof delegate === "function") provider = delegate.call(provider);
    this.noopTracerProvider ??= new api.ProxyTracerProvider().getDelegate();
    if (provider === this.noopTracerProvider) return undefined;
    if (provider !== this.tracerFrom) {
      this.tracerFrom = provider;
      this.tracer = provider.getTracer(SCOPE);
    }
    return this.tracer;
  }

  private currentInstruments(api: OtelApi): Instruments | undefined {
    const provider = this.options.meterProvider ?? api.metrics.getMeterProvider();
    if (provider === this.meterFrom) return this.instruments;
    this.meterFrom = provider;
    const meter = provider.getMeter(SCOPE);
    this.noopMeter ??= api.createNoopMeter();
    this.instruments =
      meter === this.noopMeter
        ? undefined
        : {
            deliveries: meter.createCounter("webhook.deliveries", { description: "Webhook deliveries answered, by outcome." }),
            reviews: meter.createCounter("webhook.reviews", { description: "Verified webhooks sent to review, by reason." }),
            duration: meter.createHistogram("webhook.handler.duration", {
              description: "How long the app's webhook handler took.",
              unit: "s",
              advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25] },
            }),
          };
    return this.instruments;
  }
}

/**
 * One delivery's span and what the metrics need. The engine calls `note` as it learns things, `within` around
 * the app's handler (which then runs in the span's context), and `end` once with the answer.
 */
export class DeliveryTrace {
  private readonly span: SpanLike | undefined;
  private readonly context: unknown;
  private eventType: string | undefined;
  private reviewReason: string | undefined;
  private handlerStartedAt = 0;
  private handlerSeconds: number | undefined;
  private outcome: DeliveryOutcome | undefined;
  private errorType: string | undefined;
  /** The outcome the answer went out with, once it has (then the span has ended). */
  private reported: DeliveryOutcome | undefined;

  constructor(
    private readonly api: OtelApi,
    private readonly provider: string,
    route: string,
    tracer: ReturnType<TracerProviderLike["getTracer"]> | undefined,
    private readonly instruments: Instruments | undefined,
  ) {
    const parent = api.context.active();
    this.span = tracer?.startSpan(
      `webhook ${provider}`,
      { kind: SPAN_KIND_INTERNAL, attributes: { "webhook.provider": provider, "webhook.route": route } },
      parent,
    );
    this.context = this.span === undefined ? parent : api.trace.setSpan(parent, this.span);
  }

  /** The event's type (the plan's), and for a review plan its reason. */
  plan(type: string, outcome: string): void {
    this.eventType = type;
    this.reviewReason = outcome.startsWith("review:") ? outcome.slice(7) : undefined;
  }

  /** The idempotency store's answer to a claim ("claimed", "completed", "in_flight"): a span event. */
  claimed(result: string): void {
    this.span?.addEvent("webhook.idempotency.claim", { "webhook.claim.result": result });
  }

  /** The decision deadline passed before the handler decided: a span event. */
  deadlinePassed(): void {
    this.span?.addEvent("webhook.decision.deadline");
  }

  /** Runs `fn` (the app's handler, or a report) in the span's context: its spans and instrumented calls nest under ours. */
  within<T>(fn: () => T): T {
    return this.api.context.with(this.context, fn);
  }

  /** Marks the handler's start; `handlerSettled` its end (for webhook.handler.duration). */
  handlerStarted(): void {
    this.handlerStartedAt = monotonicNow();
  }

  handlerSettled(): void {
    if (this.handlerStartedAt === 0 || this.handlerSeconds !== undefined) return;
    this.handlerSeconds = (monotonicNow() - this.handlerStartedAt) / 1000;
    // A handler that outlived the answer (a timeout): its duration counts now, under the outcome that went out.
    if (this.reported !== undefined) this.recordDuration(this.reported);
  }

  private recordDuration(outcome: DeliveryOutcome): void {
    this.instruments?.duration.record(this.handlerSeconds!, { "webhook.provider": this.provider, "webhook.outcome": outcome });
  }

  /** How the delivery ended, as the engine learns it (the last word counts: a reused id's review after its duplicate). */
  note(outcome: DeliveryOutcome, errorType?: string): void {
    this.outcome = outcome;
    this.errorType = errorType;
  }

  /**
   * The answer: attributes, status, metrics; the span ends. Without a noted outcome, the status decides
   * (2xx handled, 4xx rejected, 5xx failed). Later calls change nothing.
   */
  end(status: number): void {
    if (this.reported !== undefined) return;
    const noted = this.outcome ?? (status < 300 ? "handled" : status < 500 ? "rejected" : "failed");
    const { errorType } = this;
    const outcome = noted === "handled" && this.reviewReason !== undefined ? "review" : noted;
    this.reported = outcome;
    const span = this.span;
    if (span !== undefined) {
      span.setAttribute("webhook.outcome", outcome);
      span.setAttribute("http.response.status_code", status);
      if (this.eventType !== undefined) span.setAttribute("webhook.event.type", this.eventType);
      if (errorType !== undefined) span.setAttribute("error.type", errorType);
      // As HTTP servers do: a refusal (4xx) is the client's, not an error of this span.
      if (status >= 500) span.setStatus({ code: STATUS_ERROR, message: errorType ?? String(status) });
      span.end();
    }
    const instruments = this.instruments;
    if (instruments === undefined) return;
    const provider = this.provider;
    instruments.deliveries.add(1, { "webhook.provider": provider, "webhook.outcome": outcome, "http.response.status_code": status });
    if (this.handlerSeconds !== undefined) this.recordDuration(outcome);
    if (outcome === "review" && this.reviewReason !== undefined) {
      instruments.reviews.add(1, { "webhook.provider": provider, "webhook.review.reason": this.reviewReason });
    }
  }
}

/** The `telemetry` option resolved once: undefined when turned off. */
export function resolveTelemetry(
  option: TelemetryOptions | false | undefined,
  provider: string,
  fail: (message: string) => never,
): EngineTelemetry | undefined {
  if (option === false) return undefined;
  if (option !== undefined && (typeof option !== "object" || option === null)) {
    fail("telemetry must be false, or { tracerProvider?, meterProvider? } with OpenTelemetry providers.");
  }
  if (option?.tracerProvider !== undefined && typeof option.tracerProvider.getTracer !== "function") {
    fail("telemetry.tracerProvider must be an OpenTelemetry TracerProvider (it has getTracer()).");
  }
  if (option?.meterProvider !== undefined && typeof option.meterProvider.getMeter !== "function") {
    fail("telemetry.meterProvider must be an OpenTelemetry MeterProvider (it has getMeter()).");
  }
  return new EngineTelemetry(provider, option ?? {});
}

/** The active span's ids for a log line, when a span records (trace_id, span_id, as OpenTelemetry's log bridges name them). */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = otelApi()?.trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
