import { environment } from "../engine/environment.js";
import { configurationFailure, resolveEngineOptions, type ResolvedEngineOptions } from "../engine/options.js";
import type { SecretKey } from "../platform/contract.js";
import { signingKey } from "../signature/sign.js";
import { DEFAULT_TOLERANCE_SECONDS, normaliseSecrets } from "../signature/verify.js";
import type { SiglumeHandlers, SiglumeOptions } from "./types.js";

export {
  DEFAULT_BODY_LIMIT,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_MAX_HANDLER_MS,
} from "../engine/options.js";
/** The route the Siglume webhook is mounted at when no `path` is given: `/webhooks/siglume`. */
export const DEFAULT_PATH = "/webhooks/siglume";

/** Options checked once at start-up, so nothing is re-derived per request. */
export interface ResolvedSiglumeOptions<TRequest = unknown> extends ResolvedEngineOptions<TRequest> {
  /** The secrets as HMAC keys, made once at start-up. */
  keys: SecretKey[];
  /** Whether metered confirmations reach `onDirectPaymentConfirmed` (else `onReview`). */
  allowMeteredPayments: boolean;
  /** How far a signature's timestamp may be from now. */
  toleranceSeconds: number;
  /** The route the webhook answers at. */
  path: string;
  /** The handlers, as given. */
  handlers: SiglumeHandlers<boolean, TRequest>;
}

const fail = configurationFailure("siglume");

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

  let secrets: string[] = [];
  try {
    secrets = normaliseSecrets(options.webhookSecret ?? environment("SIGLUME_WEBHOOK_SECRET"));
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
  for (const name of ["onDirectPaymentSpent", "onEvent", "onReadinessProbe"]) optionalFunction(options, name);

  const allowMeteredPayments = options.allowMeteredPayments ?? false;
  if (typeof allowMeteredPayments !== "boolean") fail("allowMeteredPayments must be true or false.");

  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) fail("toleranceSeconds must be a number ≥ 0.");

  const path = options.path ?? DEFAULT_PATH;
  if (typeof path !== "string" || !path.startsWith("/")) fail(`path must start with "/", got ${JSON.stringify(path)}.`);

  const engine = resolveEngineOptions(options as Parameters<typeof resolveEngineOptions<TRequest>>[0], "siglume");
  return {
    ...engine,
    keys: secrets.map(signingKey),
    allowMeteredPayments,
    toleranceSeconds,
    path,
    handlers: options as SiglumeHandlers<boolean, TRequest>,
  };
}
