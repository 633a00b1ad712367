/**
 * Every way the engine and the Siglume provider can refuse a request, with
 * the HTTP status it is answered with. Codes are stable API: merchants alert
 * and test on them. Other providers add their own codes (with a status).
 */
export const SIGLUME_ERROR_STATUS = {
  SIGNATURE_HEADER_MISSING: 400,
  SIGNATURE_HEADER_MALFORMED: 400,
  TIMESTAMP_OUT_OF_TOLERANCE: 401,
  SIGNATURE_MISMATCH: 401,
  PAYLOAD_INVALID_JSON: 400,
  PAYLOAD_INVALID_EVENT: 400,
  BODY_NOT_RAW: 500,
  RAW_BODY_UNAVAILABLE: 500,
  BODY_TOO_LARGE: 413,
  BODY_READ_FAILED: 400,
  BODY_TIMEOUT: 408,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  ROUTE_NOT_FOUND: 404,
  EVENT_IN_FLIGHT: 409,
  STORE_UNAVAILABLE: 503,
  STORE_CONNECTION_LOST: 503,
  CLAIM_LOST: 503,
  HANDLER_TIMEOUT: 503,
  HANDLER_FAILED: 500,
  INTERNAL_ERROR: 500,
} as const;

/**
 * Every error code the engine and the Siglume provider answer with (a key of `SIGLUME_ERROR_STATUS`); stable API,
 * listed with causes in docs/errors.md.
 */
export type SiglumeErrorCode = keyof typeof SIGLUME_ERROR_STATUS;

/**
 * Options of a `SiglumeWebhookError`: its cause (logged and reported, never sent), a status for a provider's own
 * codes, and headers of the answer.
 */
export interface WebhookErrorOptions {
  /** The underlying failure: reported to `onError` and logged, never sent in the answer. */
  cause?: unknown;
  /** The answer's status, for codes outside SIGLUME_ERROR_STATUS (a provider's own). */
  status?: number;
  /** Headers the answer carries (e.g. WWW-Authenticate). */
  headers?: Record<string, string>;
}

/**
 * A refused request: its stable `code`, the `status` it is answered with,
 * and a message naming the likely cause. Thrown by verifiers and providers;
 * the engine turns it into `{"error":{"code","message"}}`.
 */
export class SiglumeWebhookError<TCode extends string = SiglumeErrorCode | (string & {})> extends Error {
  /** Always `"SiglumeWebhookError"`, also for other providers' codes. */
  override readonly name = "SiglumeWebhookError";
  /** The stable error code the request was answered with (e.g. `SIGNATURE_MISMATCH`): alert and test on it. */
  readonly code: TCode;
  /** The HTTP status of the answer. */
  readonly status: number;
  /** Headers the answer carries (e.g. `WWW-Authenticate`, `Retry-After`), if any. */
  readonly headers: Record<string, string> | undefined;

  constructor(code: TCode, message: string, options?: WebhookErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status ?? (SIGLUME_ERROR_STATUS as Record<string, number>)[code] ?? 500;
    this.headers = options?.headers;
  }
}

/** The same class under a provider-neutral name. */
export { SiglumeWebhookError as WebhookError };

/** Whether `error` is a `SiglumeWebhookError` (any provider's), e.g. in `onError` to read its `code` and `status`. */
export function isSiglumeWebhookError(error: unknown): error is SiglumeWebhookError {
  return error instanceof SiglumeWebhookError;
}

export { isSiglumeWebhookError as isWebhookError };

/** Thrown at start-up when options could let an event be acknowledged unrecorded. */
export class SiglumeConfigurationError extends Error {
  /** Always `"SiglumeConfigurationError"`: thrown at start-up, never for a request. */
  override readonly name = "SiglumeConfigurationError";
}

export { SiglumeConfigurationError as WebhookConfigurationError };
