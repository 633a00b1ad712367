/**
 * An order store could not do its work because its database could not be reached or lost the connection
 * mid-transaction (nothing was written). The start route answers it `503 ORDER_STORE_UNAVAILABLE` with
 * Retry-After instead of a 500: the shopper can simply try again. Throw it from your own store for the
 * same answer; `cause` keeps the driver's error for `onError`.
 */
export class CheckoutStoreUnavailableError extends Error {
  /** Always `"ORDER_STORE_UNAVAILABLE"`: the start route answers it with 503 and a `Retry-After`. */
  readonly code = "ORDER_STORE_UNAVAILABLE";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CheckoutStoreUnavailableError";
  }
}

/**
 * Whether `error` is a `CheckoutStoreUnavailableError` (code `ORDER_STORE_UNAVAILABLE`, answered 503), also across
 * two copies of the package.
 */
export const isCheckoutStoreUnavailableError = (error: unknown): error is CheckoutStoreUnavailableError =>
  error instanceof CheckoutStoreUnavailableError ||
  (error instanceof Error && error.name === "CheckoutStoreUnavailableError" && (error as { code?: unknown }).code === "ORDER_STORE_UNAVAILABLE");
