import { SiglumeConfigurationError } from "../errors.js";
import { assertIdempotencyStore } from "../idempotency/legacy.js";
import { memoryIdempotencyStore } from "../idempotency/memory.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import { activeTraceIds, resolveTelemetry, type EngineTelemetry, type TelemetryOptions } from "../telemetry/telemetry.js";
import { consoleLogger, engineLogger, isWebhookLogger, type WebhookLogger } from "./logger.js";
import { containedReporter } from "./report.js";

/** The largest body read by default: 1 MiB (`bodyLimit`); a larger one is answered `413 BODY_TOO_LARGE`. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/**
 * How long the body may take to arrive by default: 10 s (`bodyTimeoutMs`); a slower one is answered `408
 * BODY_TIMEOUT`.
 */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
/**
 * How long a delivery waits for its handler by default: 25 s (`handlerTimeoutMs`), then answers `503 HANDLER_TIMEOUT`
 * while the handler keeps its claim.
 */
export const DEFAULT_HANDLER_TIMEOUT_MS = 25_000;
/**
 * How long a claim is renewed for a handler that never settles by default: 10 minutes (`maxHandlerMs`); after that
 * the claim lapses and a redelivery may run the event.
 */
export const DEFAULT_MAX_HANDLER_MS = 10 * 60_000;

/** What onError receives beside the error. */
export interface WebhookErrorInfo<TRequest = unknown> {
  /** The provider's name ("siglume", "adyen", …). */
  provider: string;
  /** The framework's request object. */
  request: TRequest;
  /** The verified event, when there is one (redacted where it holds secrets). */
  event?: unknown;
  /** The idempotency key, when there is one. */
  key?: string;
}

/** Options every provider takes: where claims live, limits, timeouts, and where failures go. */
export interface EngineOptions<TRequest = unknown> {
  /** Default: an in-memory store (one process only). */
  idempotencyStore?: IdempotencyStore | undefined;
  /** Largest accepted body in bytes, enforced while streaming. Default 1 MiB. */
  bodyLimit?: number | undefined;
  /** How long reading the body may take before the request is answered 408 BODY_TIMEOUT and closed. Default 10 s. */
  bodyTimeoutMs?: number | undefined;
  /**
   * How long a delivery waits for its handler before answering 503 HANDLER_TIMEOUT. The handler keeps its
   * claim until it settles (the PostgreSQL transactional store instead ends its transaction).
   */
  handlerTimeoutMs?: number | undefined;
  /** How long a claim is kept renewed for a handler that never settles; past it the claim lapses. Default 10 min. */
  maxHandlerMs?: number | undefined;
  /** Retry-After (seconds) on 409 in-flight and 503 answers. Default 5. */
  retryAfterSeconds?: number | undefined;
  /**
   * A handler threw, a store failed, a handler timed out, or a body parser that ran first left no raw bytes
   * (RAW_BODY_UNAVAILABLE / BODY_NOT_RAW: every such delivery; the fix is also logged once through `logger`).
   * Default: logger.error. Its own throws change nothing.
   */
  onError?: ((error: unknown, info: WebhookErrorInfo<TRequest>) => unknown) | undefined;
  /**
   * Warnings, key check values and failures; never payloads. Default: one JSON line per entry on stderr. Takes
   * `{ info(message, fields) }` or a pino (or pino-compatible) logger as it is; lines carry `trace_id` and
   * `span_id` while an OpenTelemetry span is active.
   */
  logger?: WebhookLogger | undefined;
  /**
   * OpenTelemetry (an optional peer, @opentelemetry/api): a span per delivery and the webhook.* metrics, on
   * whenever the app registered a tracer or meter provider; pass `{ tracerProvider, meterProvider }` to use
   * others, or `false` to turn it off. See docs/observability.md.
   */
  telemetry?: TelemetryOptions | false | undefined;
}

/**
 * The engine's options after start-up checks, defaults applied (store, body limit and timeout, handler timeout, claim
 * renewal, logger, contained `onError`): what providers and adapters read, never re-derived per request.
 */
export interface ResolvedEngineOptions<TRequest = unknown> {
  /** The idempotency store (the in-memory one unless `idempotencyStore` was given). */
  store: IdempotencyStore;
  /** The largest body read, in bytes. */
  bodyLimit: number;
  /** How long the body may take to arrive. */
  bodyTimeoutMs: number;
  /** How long a delivery waits for its handler before answering `503 HANDLER_TIMEOUT`. */
  handlerTimeoutMs: number;
  /** How long a claim is renewed for a handler that never settles. */
  maxHandlerMs: number;
  /** The `Retry-After` of 503 and 409 answers (default 5). */
  retryAfterSeconds: number;
  /** Where warnings and failures are logged (the given logger, or JSON lines on stderr). */
  logger: WebhookLogger;
  /** Spans and metrics; undefined when `telemetry: false`. */
  telemetry: EngineTelemetry | undefined;
  /** onError, contained: never throws, never changes an answer. */
  report(error: unknown, info: WebhookErrorInfo<TRequest>): void;
}

/**
 * A function that throws a `SiglumeConfigurationError` naming the provider (`siglume-middleware (adyen): …`): what a
 * provider calls at start-up for options that could not work.
 */
export function configurationFailure(provider: string): (message: string) => never {
  return (message) => {
    throw new SiglumeConfigurationError(`${provider === "siglume" ? "siglume-middleware" : `siglume-middleware (${provider})`}: ${message}`);
  };
}

/** The longest delay `setTimeout` keeps: past it, Node fires the timer at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A duration option, checked at start-up: `value`, or `fallback` when absent, as a positive whole number of
 * milliseconds; `timer: true` when it will be a `setTimeout` delay, which must also be at most MAX_TIMER_MS.
 */
export function positiveMs(
  value: number | undefined,
  fallback: number,
  name: string,
  fail: (message: string) => never,
  { timer = false }: { timer?: boolean } = {},
): number {
  const ms = value ?? fallback;
  if (!Number.isSafeInteger(ms) || ms <= 0 || (timer && ms > MAX_TIMER_MS)) {
    fail(`${name} must be a positive whole number of milliseconds${timer ? ` up to ${MAX_TIMER_MS}` : ""}.`);
  }
  return ms;
}

/** Validates the engine options once, at start-up, failing with a message that says what to fix. */
export function resolveEngineOptions<TRequest>(
  options: EngineOptions<TRequest>,
  provider: string,
  defaults: { handlerTimeoutMs?: number } = {},
): ResolvedEngineOptions<TRequest> {
  const fail = configurationFailure(provider);
  if (options.onError !== undefined && typeof options.onError !== "function") fail("onError must be a function when given.");
  if (options.logger !== undefined && !isWebhookLogger(options.logger)) fail("logger must have info, warn and error methods.");
  const logger = engineLogger(options.logger ?? consoleLogger(), activeTraceIds);
  const telemetry = resolveTelemetry(options.telemetry, provider, fail);

  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit <= 0) fail("bodyLimit must be a positive whole number of bytes.");
  const retryAfterSeconds = options.retryAfterSeconds ?? 5;
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 0) fail("retryAfterSeconds must be a whole number ≥ 0.");

  const bodyTimeoutMs = positiveMs(options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS, "bodyTimeoutMs", fail);
  const handlerTimeoutMs = positiveMs(options.handlerTimeoutMs, defaults.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS, "handlerTimeoutMs", fail);
  const maxHandlerMs = positiveMs(options.maxHandlerMs, DEFAULT_MAX_HANDLER_MS, "maxHandlerMs", fail);
  if (maxHandlerMs < handlerTimeoutMs) fail("maxHandlerMs must be at least handlerTimeoutMs.");

  const store = options.idempotencyStore ?? memoryIdempotencyStore();
  assertIdempotencyStore(store, fail);

  const onError =
    options.onError ??
    ((error: unknown, info: WebhookErrorInfo<TRequest>) =>
      logger.error("webhook delivery failed", { provider: info.provider, key: info.key, error }));
  const report = containedReporter(onError, (message, error) => logger.error(message, { provider, error }));

  return { store, bodyLimit, bodyTimeoutMs, handlerTimeoutMs, maxHandlerMs, retryAfterSeconds, logger, telemetry, report };
}
