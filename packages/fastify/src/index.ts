import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Readable } from "node:stream";
import {
  type MeteredConfirmation,
  type SiglumeContext,
  type StandardSettled,
  createWebhookHandler,
  siglumeWebhooks,
  type SiglumeOptions,
  type WebhookProvider,
  type WebhookResponse,
} from "@siglume-middleware/core";
import { readRawBody } from "@siglume-middleware/core/node";

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

type Registration = { prefix?: string | undefined }; // what Fastify passes beside the plugin's own options

/**
 * Registers a provider's routes in a child scope, so its parser applies to them only and the app's JSON
 * parsing is untouched; under `prefix`, which Fastify does not apply to a (non-encapsulated) fastify-plugin.
 */
async function registerProvider(fastify: FastifyInstance, provider: WebhookProvider<FastifyRequest>, { prefix }: Registration): Promise<void> {
  const handler = createWebhookHandler(provider);
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // The body stays a stream here: the core reads it with its own limit and timeout, and only after
    // the method and Content-Type passed.
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

    for (const route of handler.routes) {
      const routeOptions = {
        method: ANY_METHOD,
        handler: async (request: FastifyRequest, reply: FastifyReply) =>
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
              route,
              path: request.url, // as it arrived, prefixes included (Pomelo's X-Endpoint is checked against it)
            }),
          ),
      };
      scope.route({ ...routeOptions, url: route.path });
      // Also with one trailing slash, as the other adapters match it, unless the host's router
      // already ignores trailing slashes (then Fastify calls the second route a duplicate).
      if (!route.path.endsWith("/")) {
        try {
          scope.route({ ...routeOptions, url: `${route.path}/` });
        } catch (error) {
          if ((error as { code?: unknown }).code !== "FST_ERR_DUPLICATED_ROUTE") throw error;
        }
      }
    }
  }, { prefix });
}

export interface WebhookPluginOptions {
  /** A provider built by its package, e.g. adyenAuthenticationWebhooks({ … }). */
  provider: WebhookProvider<FastifyRequest> | WebhookProvider<unknown>;
}

/**
 * Fastify plugin answering a provider's webhooks at its routes: `await app.register(webhookPlugin, { provider })`.
 * A registration `prefix` applies as to any plugin: `{ provider, prefix: "/api" }` answers at `/api/<route>`.
 */
export const webhookPlugin = fp<WebhookPluginOptions>(
  (fastify, options) => registerProvider(fastify, options.provider as WebhookProvider<FastifyRequest>, options as Registration),
  { name: "@siglume-middleware/fastify/webhook", fastify: "4.x || 5.x" },
);

/** Fastify plugin answering Siglume webhooks at `path` (default /webhooks/siglume), under `prefix` when given. */
export const siglumePlugin = fp<SiglumePluginOptions>(
  (fastify, options) => registerProvider(fastify, siglumeWebhooks<boolean, FastifyRequest>(options), options as Registration),
  { name: "@siglume-middleware/fastify", fastify: "4.x || 5.x" },
);

export default siglumePlugin;
export * from "@siglume-middleware/core";
export * from "@siglume-middleware/core/node";
export * from "./checkout.js";
