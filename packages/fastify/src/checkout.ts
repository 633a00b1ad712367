import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import {
  checkoutError,
  createSiglumeCheckoutHandler,
  type CheckoutResponse,
  type SiglumeCheckoutOptions,
} from "@siglume-middleware/checkout";

/** Options of `siglumeCheckoutPlugin`: the checkout options with Fastify's `FastifyRequest` as the request. */
export type SiglumeCheckoutPluginOptions = SiglumeCheckoutOptions<FastifyRequest>;

const ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const invalidBody = checkoutError("INVALID_REQUEST_BODY", 'Malformed start request: send JSON {"order_id": "…"}.');

function send(reply: FastifyReply, response: CheckoutResponse): FastifyReply {
  reply.code(response.status);
  for (const name in response.headers) reply.header(name, response.headers[name]);
  return reply.send(response.body);
}

/**
 * Fastify plugin answering `POST /checkout/siglume/start` (`path`) with the checkout core's decision.
 * An ordinary encapsulated plugin: register it where your auth hooks and decorators apply (a `prefix`
 * works). It uses the app's JSON parser; other content types reach the core, which answers 415.
 */
export const siglumeCheckoutPlugin: FastifyPluginAsync<SiglumeCheckoutPluginOptions> = async (fastify, options) => {
  const handler = createSiglumeCheckoutHandler<FastifyRequest>(options);
  fastify.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
  // Fastify's own JSON parse failures (invalid or empty JSON) get the core's answer shape.
  fastify.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) => {
    if (error.statusCode === 400 && error.code?.startsWith("FST_ERR_CTP_")) return send(reply, invalidBody);
    if (error.statusCode === 413) return send(reply, checkoutError("BODY_TOO_LARGE", "The start request is too large."));
    throw error;
  });
  fastify.route({
    method: ANY_METHOD,
    url: handler.options.path,
    handler: async (request, reply) =>
      send(
        reply,
        await handler.handle({
          method: request.method,
          header: (name) => request.headers[name],
          readBody: () => request.body,
          request,
        }),
      ),
  });
};

// Named (not `export *`): a nested star re-export of a package becomes CommonJS-only in the ESM build.
export { CHECKOUT_ERROR_STATUS, DEFAULT_CANCEL_PATH, DEFAULT_CHECKOUT_PATH, DEFAULT_CLIENT_TIMEOUT_MS, DEFAULT_SIGLUME_API_BASE, DEFAULT_SUCCESS_PATH, MICRO_MINIMUM_MINOR, ORDER_ID_MAX_LENGTH, PAID_ORDER_STATUSES, STANDARD_MINIMUM_MINOR, START_BODY_LIMIT } from "@siglume-middleware/checkout";
export { CheckoutStoreUnavailableError, SiglumeApiError, SiglumeAuthenticationError, SiglumeHostedCheckoutNotEnabledError, SiglumeInvalidRequestError, SiglumeMerchantClient, SiglumeMerchantNotFoundError, SiglumeUnavailableError, isCheckoutStoreUnavailableError, isSiglumeApiError } from "@siglume-middleware/checkout";
export { checkoutError, checkoutJson, createSiglumeCheckoutHandler, fulfilSiglumePayment, isChargeableAmount, isCheckoutCurrency, isStandardAmount, memoryOrderStore, newAttemptId, newClaim, nonceFor, normaliseApiBase, parseStartBody, pricingBandOf, resolveCheckoutOptions } from "@siglume-middleware/checkout";
export type * from "@siglume-middleware/checkout";
