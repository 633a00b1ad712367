import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import {
  bodyTooLargeError,
  createSiglumeWebhookHandler,
  errorResponse,
  type SiglumeOptions,
  type SiglumeWebhookHandler,
  type WebhookResponse,
} from "@siglume-middleware/core";

/**
 * Fastify infers plugin options from the plugin, not the call, so the policy cannot narrow the
 * handler's type here: onDirectPaymentConfirmed sees every fulfillable kind and narrows on `kind`.
 * At run time metered kinds still reach it only with `allowMeteredPayments: true`.
 */
export type SiglumePluginOptions = SiglumeOptions<boolean, FastifyRequest>;

declare module "fastify" {
  interface FastifyInstance {
    /** The Siglume webhook handler mounted by siglumePlugin (its resolved options and handle()). */
    siglume: SiglumeWebhookHandler<FastifyRequest>;
  }
}

// HEAD is left out: Fastify adds it to GET routes itself.
const ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function send(reply: FastifyReply, response: WebhookResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body);
}

const siglume: FastifyPluginAsync<SiglumePluginOptions> = async (fastify: FastifyInstance, options) => {
  const handler = createSiglumeWebhookHandler(options);
  const { path, bodyLimit } = handler.options;
  fastify.decorate("siglume", handler);

  // A child scope, so these parsers apply to the webhook route only and the app's JSON parsing is untouched.
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    // Any other type is not read at all; the core answers 415.
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    scope.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
      if (error.statusCode === 413) return send(reply, errorResponse(bodyTooLargeError(bodyLimit)));
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
            readBody: async () => request.body,
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
