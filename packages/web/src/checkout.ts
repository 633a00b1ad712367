import { createSiglumeCheckoutHandler, type SiglumeCheckoutOptions } from "@siglume-middleware/checkout";
import { DEFAULT_BODY_TIMEOUT_MS, SiglumeWebhookError, errorResponse, matchesWebhookPath } from "@siglume-middleware/core";
import type { FetchHandler } from "./index.js";
import { headerOf, pathOf, requestBody, toResponse } from "./request.js";

/** Options of `siglumeCheckoutFetchHandler`: `orders.authorize` receives the `Request`. */
export type SiglumeCheckoutFetchHandlerOptions = SiglumeCheckoutOptions<Request>;

/**
 * The checkout start route (`POST /checkout/siglume/start`, option `path`) as a fetch handler:
 * `export const POST = siglumeCheckoutFetchHandler(opts)` in `app/checkout/siglume/start/route.ts`.
 * A request to another path is answered 404.
 */
export function siglumeCheckoutFetchHandler(options: SiglumeCheckoutFetchHandlerOptions): FetchHandler {
  const handler = createSiglumeCheckoutHandler(options);
  const { path } = handler.options;
  const notFound = errorResponse(
    new SiglumeWebhookError("ROUTE_NOT_FOUND", `This checkout start handler answers "${path}", and this request was for another path.`),
  );

  return async function siglumeCheckoutFetchHandler(request: Request): Promise<Response> {
    if (!matchesWebhookPath(path, pathOf(request.url))) return toResponse(notFound);
    return toResponse(
      await handler.handle({
        method: request.method,
        header: headerOf(request),
        readBody: (limit) => requestBody(request, limit, DEFAULT_BODY_TIMEOUT_MS),
        request,
      }),
    );
  };
}

// Named (not `export *`): a nested star re-export of a package becomes CommonJS-only in the ESM build.
export { CHECKOUT_ERROR_STATUS, DEFAULT_CANCEL_PATH, DEFAULT_CHECKOUT_PATH, DEFAULT_CLIENT_TIMEOUT_MS, DEFAULT_SIGLUME_API_BASE, DEFAULT_SUCCESS_PATH, MICRO_MINIMUM_MINOR, ORDER_ID_MAX_LENGTH, PAID_ORDER_STATUSES, STANDARD_MINIMUM_MINOR, START_BODY_LIMIT } from "@siglume-middleware/checkout";
export { CheckoutStoreUnavailableError, SiglumeApiError, SiglumeAuthenticationError, SiglumeHostedCheckoutNotEnabledError, SiglumeInvalidRequestError, SiglumeMerchantClient, SiglumeMerchantNotFoundError, SiglumeUnavailableError, isCheckoutStoreUnavailableError, isSiglumeApiError } from "@siglume-middleware/checkout";
export { checkoutError, checkoutJson, createSiglumeCheckoutHandler, fulfilSiglumePayment, isChargeableAmount, isCheckoutCurrency, isStandardAmount, memoryOrderStore, newAttemptId, newClaim, nonceFor, normaliseApiBase, parseStartBody, pricingBandOf, resolveCheckoutOptions } from "@siglume-middleware/checkout";
export type * from "@siglume-middleware/checkout";
