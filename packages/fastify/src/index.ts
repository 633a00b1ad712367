import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";
import {
  type MeteredConfirmation,
  type SiglumeContext,
  type StandardSettled,
  type SiglumeWebhookError,
  createWebhookHandler,
  siglumeWebhooks,
  type WebhookRoute,
  type SiglumeOptions,
  type WebhookProvider,
  type WebhookResponse,
} from "@siglume-middleware/core";
import { readRawBody } from "@siglume-middleware/core/node";
import { bodyRefusal, endBodyDeadline, readBodiesInScope } from "./body.js";

/**
 * Fastify infers plugin options from the plugin, not from the call, so the policy cannot narrow the
 * confirmed handler's type here. It is declared as a method so that a handler annotated
 * `(payment: StandardSettled)` is accepted; unannotated, it sees every fulfillable kind (narrow on
 * `kind`). At run time metered kinds reach it only with `allowMeteredPayments: true`.
 */
export type SiglumePluginOptions = Omit<SiglumeOptions<boolean, FastifyRequest>, "onDirectPaymentConfirmed"> & {
  /**
   * Fulfil here (Standard; metered kinds too with `allowMeteredPayments: true`): return after the order update is
   * durably written, throw to have Siglume redeliver.
   */
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

/** `send` from a route handler that is not async: whatever throws goes to Fastify's error handling, never unhandled. */
function sendFromHandler(reply: FastifyReply, response: WebhookResponse): void {
  try {
    send(reply, response);
  } catch (error) {
    reply.send(error);
  }
}

type Registration = { prefix?: string | undefined }; // what Fastify passes beside the plugin's own options
type RouteConfig = { webhookRoute: WebhookRoute };

/**
 * Registers a provider's routes in a child scope, so its parsers apply to them only and the app's JSON
 * parsing is untouched; under `prefix`, which Fastify does not apply to a (non-encapsulated) fastify-plugin.
 */
async function registerProvider(fastify: FastifyInstance, provider: WebhookProvider<FastifyRequest>, { prefix }: Registration): Promise<void> {
  const handler = createWebhookHandler(provider);
  const { bodyLimit, bodyTimeoutMs } = provider.engine;
  const handle = (request: FastifyRequest, route: WebhookRoute, readBody: (limit: number, timeoutMs: number) => unknown) =>
    handler.handle({
      method: request.method,
      header: (name) => request.headers[name],
      readBody,
      request,
      route,
      path: request.url, // as it arrived, prefixes included (Pomelo's X-Endpoint is checked against it)
    });

  await fastify.register(async (scope) => {
    readBodiesInScope(scope, bodyLimit, bodyTimeoutMs);
    // What stopped Fastify's own read is refused by the engine like every refusal: its answer, its report, its span.
    scope.setErrorHandler((error: FastifyError | SiglumeWebhookError, request, reply) => {
      endBodyDeadline(request);
      const { webhookRoute } = request.routeOptions.config as Partial<RouteConfig>;
      if (webhookRoute === undefined) throw error;
      const refusal = bodyRefusal(error, bodyLimit);
      return handle(request, webhookRoute, () => {
        throw refusal;
      }).then((response) => send(reply, response));
    });

    for (const route of handler.routes) {
      const routeOptions = {
        method: ANY_METHOD,
        config: { webhookRoute: route } satisfies RouteConfig,
        // Not async: the answer goes out from the engine's Promise, without an async function's Promise around it.
        handler(request: FastifyRequest, reply: FastifyReply): void {
          handle(request, route, (limit, timeoutMs) => {
            const { body } = request;
            if (body === undefined) return NO_BODY;
            // Bytes Fastify read, or a stream of a type it left alone (read here, for an answer to come).
            return Buffer.isBuffer(body) ? body : readRawBody(body as Readable, limit, request.headers["content-length"], timeoutMs);
          }).then(
            (response) => sendFromHandler(reply, response),
            (error: unknown) => reply.send(error),
          );
        },
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

/** Options of `webhookPlugin`: the provider to mount (any sender's package builds one). */
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
