import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Readable } from "node:stream";
import {
  type MeteredConfirmation,
  type SiglumeContext,
  type StandardSettled,
  createSiglumeWebhookHandler,
  readRawBody,
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
const NO_BODY = Buffer.alloc(0);

function send(reply: FastifyReply, response: WebhookResponse): FastifyReply | undefined {
  // Something else (a timeout hook) answered first: leave its answer alone.
  if (reply.sent) return undefined;
  reply.code(response.status);
  for (const name in response.headers) reply.header(name, response.headers[name]);
  return reply.send(response.body);
}

const siglume: FastifyPluginAsync<SiglumePluginOptions> = async (fastify: FastifyInstance, options) => {
  const handler = createSiglumeWebhookHandler<boolean, FastifyRequest>(options);
  const { path } = handler.options;

  // A child scope, so this parser applies to the webhook route only and the app's JSON parsing is untouched.
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // The body stays a stream here: the core reads it with its own limit and timeout, and only after
    // the method and Content-Type passed.
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

    scope.route({
      method: ANY_METHOD,
      url: path,
      handler: async (request, reply) =>
        send(
          reply,
          await handler.handle({
            method: request.method,
            header: (name) => request.headers[name],
            readBody: (limit, timeoutMs) =>
              request.body === undefined
                ? NO_BODY
                : readRawBody(request.body as Readable, limit, request.headers["content-length"], timeoutMs),
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
