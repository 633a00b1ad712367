import type { Context, Middleware, Next } from "koa";
import { createSiglumeCheckoutHandler, type SiglumeCheckoutOptions } from "@siglume-middleware/checkout";
import { matchesWebhookPath } from "@siglume-middleware/core";
import { nodeRequestBody } from "@siglume-middleware/core/node";

/** Options of `siglumeCheckoutMiddleware`: the checkout options with Koa's `Context` as the request. */
export type SiglumeCheckoutMiddlewareOptions = SiglumeCheckoutOptions<Context>;

/**
 * Koa middleware answering `POST /checkout/siglume/start` (`path`) with the checkout core's decision;
 * every other request goes on to `next()`. Mount it after your session/auth middleware; it reads
 * `ctx.request.body` from a body parser, or the stream when none ran.
 */
export function siglumeCheckoutMiddleware(options: SiglumeCheckoutMiddlewareOptions): Middleware {
  const handler = createSiglumeCheckoutHandler(options);
  const { path } = handler.options;

  return async function siglumeCheckoutMiddleware(ctx: Context, next: Next): Promise<void> {
    if (!matchesWebhookPath(path, ctx.path)) return next();
    const parsed = (ctx.request as { body?: unknown }).body;
    const response = await handler.handle({
      method: ctx.method,
      header: (name) => ctx.req.headers[name],
      readBody: (limit) => (parsed !== undefined ? parsed : nodeRequestBody(ctx.req, limit, undefined)),
      request: ctx,
    });
    ctx.status = response.status;
    for (const name in response.headers) ctx.set(name, response.headers[name]!);
    ctx.body = response.body;
  };
}

// Named (not `export *`): a nested star re-export of a package becomes CommonJS-only in the ESM build.
export { CHECKOUT_ERROR_STATUS, DEFAULT_CANCEL_PATH, DEFAULT_CHECKOUT_PATH, DEFAULT_CLIENT_TIMEOUT_MS, DEFAULT_SIGLUME_API_BASE, DEFAULT_SUCCESS_PATH, MICRO_MINIMUM_MINOR, ORDER_ID_MAX_LENGTH, PAID_ORDER_STATUSES, STANDARD_MINIMUM_MINOR, START_BODY_LIMIT } from "@siglume-middleware/checkout";
export { CheckoutStoreUnavailableError, SiglumeApiError, SiglumeAuthenticationError, SiglumeHostedCheckoutNotEnabledError, SiglumeInvalidRequestError, SiglumeMerchantClient, SiglumeMerchantNotFoundError, SiglumeUnavailableError, isCheckoutStoreUnavailableError, isSiglumeApiError } from "@siglume-middleware/checkout";
export { checkoutError, checkoutJson, createSiglumeCheckoutHandler, fulfilSiglumePayment, isChargeableAmount, isCheckoutCurrency, isStandardAmount, memoryOrderStore, newAttemptId, newClaim, nonceFor, normaliseApiBase, parseStartBody, pricingBandOf, resolveCheckoutOptions } from "@siglume-middleware/checkout";
export type * from "@siglume-middleware/checkout";
