/** Every way a start request can end other than 200/202, with its status. Codes are stable API. */
export const CHECKOUT_ERROR_STATUS = {
  INVALID_REQUEST_BODY: 400,
  ORDER_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  ORDER_ALREADY_PAID: 409,
  METERED_INTEGRATION_REQUIRED: 409,
  ORDER_NOT_PAYABLE: 409,
  HOSTED_CHECKOUT_NOT_ENABLED: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CHECKOUT_FAILED: 500,
  SIGLUME_UNAVAILABLE: 502,
  SIGLUME_REJECTED: 502,
  ORDER_STORE_UNAVAILABLE: 503,
} as const;

/**
 * Every code the start route answers an error with (a key of `CHECKOUT_ERROR_STATUS`); stable API, listed with causes
 * in docs/errors.md.
 */
export type CheckoutErrorCode = keyof typeof CHECKOUT_ERROR_STATUS;

/** What an adapter writes back, decided entirely by the checkout core. */
export interface CheckoutResponse {
  /** The HTTP status to write. */
  status: number;
  /** The headers to write (lower-case names). */
  headers: Record<string, string>;
  /** JSON text. */
  body: string;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } as const;

/** A JSON answer of the start route with `cache-control: no-store`. */
export function checkoutJson(status: number, body: unknown, extraHeaders?: Record<string, string>): CheckoutResponse {
  return { status, headers: { ...JSON_HEADERS, ...extraHeaders }, body: JSON.stringify(body) };
}

/** The start route's error answer: `CHECKOUT_ERROR_STATUS[code]` and `{ "error": { "code", "message" } }`. */
export function checkoutError(code: CheckoutErrorCode, message: string, extraHeaders?: Record<string, string>): CheckoutResponse {
  return checkoutJson(CHECKOUT_ERROR_STATUS[code], { error: { code, message } }, extraHeaders);
}
