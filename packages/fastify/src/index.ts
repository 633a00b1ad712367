import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import {
  type MeteredConfirmation,
  type SiglumeContext,
  type StandardSettled,
  bodyTooLargeError,
  createSiglumeWebhookHandler,
  errorResponse,
  type SiglumeOptions,
  type WebhookResponse,
} from "@siglume-middleware/core";

/**
 * Fastify infers plugin options from the plugin, not from the call, so the policy cannot narrow the
 * confirmed handler's type here. It is declared as a method so that a handler annotated
 * `(payment: StandardSettled)` is accepted; unannotated, it sees every fulfillable kind (narrow on
 * `kind`). At run time metered kinds reach it only with `allowMeteredPayments: true`.
 */
export type SiglumePluginOptions = Omit<SiglumeOptions<boolean, FastifyRequest>, "onDirectPaymentConfirmed"> & {
  onDirectPaymentConfirmed(
    confirmation: StandardSettled | MeteredConfirmation,
    ctx: SiglumeContext<FastifyRequest>,
  ): unknown;
};

// HEAD is left out: Fastify adds it to GET routes itself.
const ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function send(reply: FastifyReply, response: WebhookResponse): FastifyReply {
  reply.code(response.status);
  for (const name in response.headers) reply.header(name, response.headers[name]);
  return reply.send(response.body);
}

const siglume: FastifyPluginAsync<SiglumePluginOptions> = async (fastify: FastifyInstance, options) => {
  const handler = createSiglumeWebhookHandler<boolean, FastifyRequest>(options);
  const { path, bodyLimit } = handler.options;
  // Fastify enforces the limit in its parser; its 413 is answered with the core's error body.
  const tooLarge = errorResponse(bodyTooLargeError(bodyLimit));

  // A child scope, so these parsers apply to the webhook route only and the app's JSON parsing is untouched.
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    // Any other type is not read at all; the core answers 415.
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    scope.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
      if (error.statusCode === 413) return send(reply, tooLarge);
      throw error;
    });

    scope.route({
      method: ANY_METHOD,
      url: path,
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
  });
};

/** Fastify plugin answering Siglume webhooks at `path` (default /webhooks/siglume). */
export const siglumePlugin = fp(siglume, { name: "@siglume-middleware/fastify", fastify: "4.x || 5.x" });

export default siglumePlugin;
export * from "@siglume-middleware/core";
export * from "./checkout.js";
