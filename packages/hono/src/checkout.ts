import type { Context, MiddlewareHandler } from "hono";
import { createSiglumeCheckoutHandler, type SiglumeCheckoutOptions } from "@siglume-middleware/checkout";
import { DEFAULT_BODY_TIMEOUT_MS, matchesWebhookPath } from "@siglume-middleware/core";
import { headerOf } from "@siglume-middleware/web";
import { honoBody, honoResponse } from "./index.js";

/** Options of `siglumeCheckoutMiddleware`: `orders.authorize` receives Hono's `Context`. */
export type SiglumeCheckoutMiddlewareOptions = SiglumeCheckoutOptions<Context>;

/**
 * Hono middleware answering the checkout start route (`POST /checkout/siglume/start`, option `path`);
 * every other request goes on to `next()`. Mount it after your session/auth middleware.
 */
export function siglumeCheckoutMiddleware(options: SiglumeCheckoutMiddlewareOptions): MiddlewareHandler {
  const handler = createSiglumeCheckoutHandler(options);
  const { path } = handler.options;

  return async function siglumeCheckoutMiddleware(c, next) {
    if (!matchesWebhookPath(path, c.req.path)) return next();
    const response = await handler.handle({
      method: c.req.method,
      header: headerOf(c.req.raw),
      readBody: (limit) => honoBody(c, limit, DEFAULT_BODY_TIMEOUT_MS),
      request: c,
    });
    return honoResponse(c, response);
  };
}

// Named (not `export *`): a nested star re-export of a package becomes CommonJS-only in the ESM build.
export { CHECKOUT_ERROR_STATUS, DEFAULT_CANCEL_PATH, DEFAULT_CHECKOUT_PATH, DEFAULT_CLIENT_TIMEOUT_MS, DEFAULT_SIGLUME_API_BASE, DEFAULT_SUCCESS_PATH, MICRO_MINIMUM_MINOR, ORDER_ID_MAX_LENGTH, PAID_ORDER_STATUSES, STANDARD_MINIMUM_MINOR, START_BODY_LIMIT } from "@siglume-middleware/checkout";
export { CheckoutStoreUnavailableError, SiglumeApiError, SiglumeAuthenticationError, SiglumeHostedCheckoutNotEnabledError, SiglumeInvalidRequestError, SiglumeMerchantClient, SiglumeMerchantNotFoundError, SiglumeUnavailableError, isCheckoutStoreUnavailableError, isSiglumeApiError } from "@siglume-middleware/checkout";
export { checkoutError, checkoutJson, createSiglumeCheckoutHandler, fulfilSiglumePayment, isChargeableAmount, isCheckoutCurrency, isStandardAmount, memoryOrderStore, newAttemptId, newClaim, nonceFor, normaliseApiBase, parseStartBody, pricingBandOf, resolveCheckoutOptions } from "@siglume-middleware/checkout";
export type * from "@siglume-middleware/checkout";
