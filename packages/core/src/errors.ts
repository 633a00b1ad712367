/**
 * Every way a webhook request can fail, with the HTTP status it is answered
 * with. Codes are stable API: merchants alert and test on them.
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
  EVENT_IN_FLIGHT: 409,
  STORE_UNAVAILABLE: 503,
  STORE_CONNECTION_LOST: 503,
  CLAIM_LOST: 503,
  HANDLER_TIMEOUT: 503,
  HANDLER_FAILED: 500,
  INTERNAL_ERROR: 500,
} as const;

export type SiglumeErrorCode = keyof typeof SIGLUME_ERROR_STATUS;

export class SiglumeWebhookError extends Error {
  override readonly name = "SiglumeWebhookError";
  readonly code: SiglumeErrorCode;
  readonly status: number;

  constructor(code: SiglumeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = SIGLUME_ERROR_STATUS[code];
  }
}

export function isSiglumeWebhookError(error: unknown): error is SiglumeWebhookError {
  return error instanceof SiglumeWebhookError;
}

/** Thrown at start-up when options could let an event be acknowledged unrecorded. */
export class SiglumeConfigurationError extends Error {
  override readonly name = "SiglumeConfigurationError";
}
