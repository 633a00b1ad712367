import type { KeyObject } from "node:crypto";
import { SiglumeConfigurationError } from "../errors.js";
import { signingKey } from "../signature/sign.js";
import { memoryIdempotencyStore } from "../idempotency/memory.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import { DEFAULT_TOLERANCE_SECONDS, normaliseSecrets } from "../signature/verify.js";
import type { SiglumeHandlers, SiglumeOptions } from "./types.js";

export const DEFAULT_PATH = "/webhooks/siglume";
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

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
  handlers: SiglumeHandlers<boolean, TRequest>;
}

function fail(message: string): never {
  throw new SiglumeConfigurationError(`siglume-middleware: ${message}`);
}

function optionalFunction(options: object, name: string): void {
  const value = (options as Record<string, unknown>)[name];
  if (value !== undefined && typeof value !== "function") fail(`${name} must be a function when given.`);
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

  const store = options.idempotencyStore ?? memoryIdempotencyStore();
  for (const method of ["claim", "complete", "release"] as const) {
    if (typeof store?.[method] !== "function") fail(`idempotencyStore.${method} must be a function.`);
  }

  return {
    keys: secrets.map(signingKey),
    allowMeteredPayments,
    toleranceSeconds,
    store,
    bodyLimit,
    path,
    retryAfterSeconds,
    handlers: options as SiglumeHandlers<boolean, TRequest>,
  };
}
