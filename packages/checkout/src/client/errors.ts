/** Why a call to Siglume's API did not succeed; `code` is Siglume's own where it sent one. */
export class SiglumeApiError extends Error {
  /** `"SiglumeApiError"`, or the subclass's name. */
  override name = "SiglumeApiError";
  /** Siglume's `error.code`, else `HTTP_<status>`, else one of ours (SIGLUME_UNREACHABLE, SIGLUME_TIMEOUT, …). */
  readonly code: string;
  /** Siglume's HTTP status; undefined when no answer came. */
  readonly status: number | undefined;
  /** `METHOD /path` that failed (never the query string, the token or the body). */
  readonly operation: string;
  /** Worth retrying later with the same input: Siglume was unreachable, slow or failing. */
  readonly retryable: boolean;
  /** Siglume's own `error.message` (at most 200 characters), when it sent one. */
  readonly siglumeMessage: string | undefined;

  constructor(
    message: string,
    details: { code: string; status?: number; operation: string; retryable?: boolean; cause?: unknown; siglumeMessage?: string | undefined },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.status = details.status;
    this.operation = details.operation;
    this.retryable = details.retryable ?? false;
    this.siglumeMessage = details.siglumeMessage;
  }
}

/** Hosted Checkout is not switched on for this merchant account (409 HOSTED_CHECKOUT_NOT_ENABLED, or its rollout 404). */
export class SiglumeHostedCheckoutNotEnabledError extends SiglumeApiError {
  /**
   * `"SiglumeHostedCheckoutNotEnabledError"`: the merchant cannot take hosted checkouts yet (the start answers `409
   * HOSTED_CHECKOUT_NOT_ENABLED`).
   */
  override name = "SiglumeHostedCheckoutNotEnabledError";
}

/** Siglume does not know the merchant key (or not for this token's account). */
export class SiglumeMerchantNotFoundError extends SiglumeApiError {
  /** `"SiglumeMerchantNotFoundError"`: Siglume knows no such merchant (check `merchant` and the API base). */
  override name = "SiglumeMerchantNotFoundError";
}

/** Siglume refused the input (400/422): amount, currency, nonce or a return URL outside the registered origins. */
export class SiglumeInvalidRequestError extends SiglumeApiError {
  /**
   * `"SiglumeInvalidRequestError"`: Siglume refused the request's content (e.g. an origin not in
   * `checkout_allowed_origins`).
   */
  override name = "SiglumeInvalidRequestError";
}

const RETURN_URL = /success_url|cancel_url|return[ _-]?url|redirect|origin/i;

/**
 * Whether Siglume refused the input because of the return URLs: their origin is not registered for the
 * merchant (checkout_allowed_origins), or their scheme is not allowed. Read from Siglume's code and message.
 */
export function refusesReturnUrls(error: SiglumeApiError): boolean {
  return error instanceof SiglumeInvalidRequestError && (RETURN_URL.test(error.code) || RETURN_URL.test(error.siglumeMessage ?? ""));
}

/** The merchant token was missing, wrong or lacks the permission (401/403). */
export class SiglumeAuthenticationError extends SiglumeApiError {
  /** `"SiglumeAuthenticationError"`: the merchant bearer token was refused. */
  override name = "SiglumeAuthenticationError";
}

/** No usable answer: connection refused, DNS, timeout, a 5xx or a body that is not Siglume's JSON. */
export class SiglumeUnavailableError extends SiglumeApiError {
  /** `"SiglumeUnavailableError"`: Siglume did not answer in time, could not be reached or failed (retryable). */
  override name = "SiglumeUnavailableError";
}

/** Whether `error` is a `SiglumeApiError` thrown by {@link SiglumeMerchantClient} (read its `code` and `status`). */
export function isSiglumeApiError(error: unknown): error is SiglumeApiError {
  return error instanceof SiglumeApiError;
}
