export {
  MICRO_MINIMUM_MINOR,
  STANDARD_MINIMUM_MINOR,
  isChargeableAmount,
  isCheckoutCurrency,
  isStandardAmount,
  pricingBandOf,
} from "./band.js";
export type { CheckoutCurrency, CheckoutPricingBand } from "./band.js";

export { DEFAULT_CLIENT_TIMEOUT_MS, DEFAULT_SIGLUME_API_BASE, SiglumeMerchantClient, normaliseApiBase } from "./client/client.js";
export type { SiglumeMerchantClientOptions } from "./client/client.js";
export {
  SiglumeApiError,
  SiglumeAuthenticationError,
  SiglumeHostedCheckoutNotEnabledError,
  SiglumeInvalidRequestError,
  SiglumeMerchantNotFoundError,
  SiglumeUnavailableError,
  isSiglumeApiError,
} from "./client/errors.js";
export type * from "./client/types.js";

export { PAID_ORDER_STATUSES } from "./orders/contract.js";
export { CheckoutStoreUnavailableError, isCheckoutStoreUnavailableError } from "./orders/errors.js";
export type * from "./orders/contract.js";
export { memoryOrderStore, newAttemptId, newClaim, nonceFor } from "./orders/memory.js";
export type { MemoryOrder, MemoryOrderStore, MemoryOrderStoreOptions } from "./orders/memory.js";

export { fulfilSiglumePayment } from "./fulfil.js";
export type { FulfilmentResult, PaymentMismatchReason } from "./fulfil.js";

export { ORDER_ID_MAX_LENGTH, START_BODY_LIMIT, parseStartBody } from "./start/body.js";
export type { StartBodyResult } from "./start/body.js";
export {
  DEFAULT_CANCEL_PATH,
  DEFAULT_CHECKOUT_PATH,
  DEFAULT_SUCCESS_PATH,
  resolveCheckoutOptions,
} from "./start/options.js";
export type { ResolvedCheckoutOptions, SiglumeCheckoutOptions } from "./start/options.js";
export { createSiglumeCheckoutHandler } from "./start/handler.js";
export type { CheckoutStartRequest, SiglumeCheckoutHandler } from "./start/handler.js";
export { CHECKOUT_ERROR_STATUS, checkoutError, checkoutJson } from "./start/response.js";
export type { CheckoutErrorCode, CheckoutResponse } from "./start/response.js";
