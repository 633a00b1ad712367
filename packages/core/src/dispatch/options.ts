import type { KeyObject } from "node:crypto";
import { SiglumeConfigurationError } from "../errors.js";
import { signingKey } from "../signature/sign.js";
import { assertIdempotencyStore } from "../idempotency/legacy.js";
import { memoryIdempotencyStore } from "../idempotency/memory.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import { DEFAULT_TOLERANCE_SECONDS, normaliseSecrets } from "../signature/verify.js";
import type { SiglumeHandlers, SiglumeOptions } from "./types.js";

export const DEFAULT_PATH = "/webhooks/siglume";
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
export const DEFAULT_HANDLER_TIMEOUT_MS = 25_000;
export const DEFAULT_MAX_HANDLER_MS = 10 * 60_000;

/** Options checked once at start-up, so nothing is re-derived per request. */
export interface ResolvedSiglumeOptions<TRequest = unknown> {
  /** The secrets as HMAC keys, made once at start-up. */
  keys: KeyObject[];
  allowMeteredPayments: boolean;
  toleranceSeconds: number;
  store: IdempotencyStore;
  bodyLimit: number;
  path: string;
  retryAfterSeconds: number;
  bodyTimeoutMs: number;
  handlerTimeoutMs: number;
  maxHandlerMs: number;
  handlers: SiglumeHandlers<boolean, TRequest>;
}

function fail(message: string): never {
  throw new SiglumeConfigurationError(`siglume-middleware: ${message}`);
}

function optionalFunction(options: object, name: string): void {
  const value = (options as Record<string, unknown>)[name];
  if (value !== undefined && typeof value !== "function") fail(`${name} must be a function when given.`);
}

function positiveMs(value: number | undefined, fallback: number, name: string): number {
  const ms = value ?? fallback;
  if (!Number.isSafeInteger(ms) || ms <= 0) fail(`${name} must be a positive whole number of milliseconds.`);
  return ms;
}

/**
 * Validates options and fails fast on any configuration that could
 * acknowledge an event nobody recorded.
 */
export function resolveSiglumeOptions<TAllowMetered extends boolean, TRequest>(
  options: SiglumeOptions<TAllowMetered, TRequest>,
): ResolvedSiglumeOptions<TRequest> {
  if (typeof options !== "object" || options === null) fail("options are required.");

  let secrets: string[];
  try {
    secrets = normaliseSecrets(options.webhookSecret ?? process.env.SIGLUME_WEBHOOK_SECRET);
  } catch (error) {
    fail((error as Error).message);
  }

  if (typeof options.onDirectPaymentConfirmed !== "function") {
    fail("onDirectPaymentConfirmed is required: without it no payment would ever be fulfilled.");
  }
  if (typeof options.onReview !== "function") {
    fail(
      "onReview is required: without it unknown, metered or unhandled events would be acknowledged with no record. " +
        "Store them for manual review.",
    );
  }
  for (const name of ["onDirectPaymentSpent", "onEvent", "onReadinessProbe", "onError"]) optionalFunction(options, name);

  const allowMeteredPayments = options.allowMeteredPayments ?? false;
  if (typeof allowMeteredPayments !== "boolean") fail("allowMeteredPayments must be true or false.");

  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) fail("toleranceSeconds must be a number ≥ 0.");

  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit <= 0) fail("bodyLimit must be a positive whole number of bytes.");

  const path = options.path ?? DEFAULT_PATH;
  if (typeof path !== "string" || !path.startsWith("/")) fail(`path must start with "/", got ${JSON.stringify(path)}.`);

  const retryAfterSeconds = options.retryAfterSeconds ?? 5;
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
    fail("retryAfterSeconds must be a whole number ≥ 0.");
  }

  const bodyTimeoutMs = positiveMs(options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS, "bodyTimeoutMs");
  const handlerTimeoutMs = positiveMs(options.handlerTimeoutMs, DEFAULT_HANDLER_TIMEOUT_MS, "handlerTimeoutMs");
  const maxHandlerMs = positiveMs(options.maxHandlerMs, DEFAULT_MAX_HANDLER_MS, "maxHandlerMs");
  if (maxHandlerMs < handlerTimeoutMs) fail("maxHandlerMs must be at least handlerTimeoutMs.");

  const store = options.idempotencyStore ?? memoryIdempotencyStore();
  assertIdempotencyStore(store, fail);

  return {
    keys: secrets.map(signingKey),
    allowMeteredPayments,
    toleranceSeconds,
    store,
    bodyLimit,
    path,
    retryAfterSeconds,
    bodyTimeoutMs,
    handlerTimeoutMs,
    maxHandlerMs,
    handlers: options as SiglumeHandlers<boolean, TRequest>,
  };
}
