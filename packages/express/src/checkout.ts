import type { NextFunction, Request, RequestHandler, Response } from "express";
import { createSiglumeCheckoutHandler, type SiglumeCheckoutOptions } from "@siglume-middleware/checkout";
import { matchesWebhookPath } from "@siglume-middleware/core";
import { nodeRequestBody, writeNodeResponse } from "@siglume-middleware/core/node";

/** Options of `siglumeCheckoutRouter`: the checkout options with Express's `Request` as the request. */
export type SiglumeCheckoutRouterOptions = SiglumeCheckoutOptions<Request>;

/**
 * Express middleware answering `POST /checkout/siglume/start` (`path`) with the checkout core's
 * decision; every other request goes on. Mount it after your session/auth middleware and body
 * parser (it reads `req.body`, or the stream when no parser ran), and after `siglumeRouter()`.
 */
export function siglumeCheckoutRouter(options: SiglumeCheckoutRouterOptions): RequestHandler {
  const handler = createSiglumeCheckoutHandler(options);
  const { path } = handler.options;

  return function siglumeCheckoutRouter(req: Request, res: Response, next: NextFunction): void {
    if (!matchesWebhookPath(path, req.path)) return next();
    handler
      .handle({
        method: req.method,
        header: (name) => req.headers[name],
        readBody: (limit) => (req.body !== undefined ? req.body : nodeRequestBody(req, limit, undefined)),
        request: req,
      })
      .then((response) => writeNodeResponse(res, response), next);
  };
}

// Named (not `export *`): a nested star re-export of a package becomes CommonJS-only in the ESM build.
export { CHECKOUT_ERROR_STATUS, DEFAULT_CANCEL_PATH, DEFAULT_CHECKOUT_PATH, DEFAULT_CLIENT_TIMEOUT_MS, DEFAULT_SIGLUME_API_BASE, DEFAULT_SUCCESS_PATH, MICRO_MINIMUM_MINOR, ORDER_ID_MAX_LENGTH, PAID_ORDER_STATUSES, STANDARD_MINIMUM_MINOR, START_BODY_LIMIT } from "@siglume-middleware/checkout";
export { CheckoutStoreUnavailableError, SiglumeApiError, SiglumeAuthenticationError, SiglumeHostedCheckoutNotEnabledError, SiglumeInvalidRequestError, SiglumeMerchantClient, SiglumeMerchantNotFoundError, SiglumeUnavailableError, isCheckoutStoreUnavailableError, isSiglumeApiError } from "@siglume-middleware/checkout";
export { checkoutError, checkoutJson, createSiglumeCheckoutHandler, fulfilSiglumePayment, isChargeableAmount, isCheckoutCurrency, isStandardAmount, memoryOrderStore, newAttemptId, newClaim, nonceFor, normaliseApiBase, parseStartBody, pricingBandOf, resolveCheckoutOptions } from "@siglume-middleware/checkout";
export type * from "@siglume-middleware/checkout";
