import type { Context, Middleware, Next } from "koa";
import {
  createWebhookHandler,
  siglumeWebhooks,
  type SiglumeOptions,
  type WebhookProvider,
} from "@siglume-middleware/core";
import { nodeRequestBody } from "@siglume-middleware/core/node";

/** Options of `siglumeMiddleware`: {@link SiglumeOptions} with Koa's `Context` as `ctx.request`. */
export type SiglumeMiddlewareOptions<TAllowMetered extends boolean = false> = SiglumeOptions<TAllowMetered, Context>;

const RAW_BODY_HINT =
  "A body parser (koa-bodyparser, @koa/bodyparser, koa-body) read the request before the webhook middleware, so " +
  "the signed bytes are gone. Use app.use(webhookMiddleware(...)) before the body parser.";

/** Koa middleware answering a provider's webhooks at its routes; every other request goes on to `next()`. */
export function webhookMiddleware(provider: WebhookProvider<Context> | WebhookProvider<unknown>): Middleware {
  const handler = createWebhookHandler(provider as WebhookProvider<Context>);

  return async function webhookMiddleware(ctx: Context, next: Next): Promise<void> {
    const route = handler.match(ctx.path);
    if (route === undefined) return next();
    const response = await handler.handle({
      method: ctx.method,
      header: (name) => ctx.req.headers[name],
      // A body parser that ran first may have kept the text as ctx.request.rawBody.
      readBody: (limit, timeoutMs) =>
        nodeRequestBody(ctx.req, limit, (ctx.request as { rawBody?: unknown }).rawBody, timeoutMs),
      request: ctx,
      route,
      path: ctx.originalUrl,
      rawBodyHint: RAW_BODY_HINT,
    });
    // Another middleware (a timeout) answered first: leave its answer alone.
    if (ctx.headerSent) return;
    ctx.status = response.status;
    // Headers before the body: Koa only guesses a Content-Type when none is set.
    for (const name in response.headers) ctx.set(name, response.headers[name]!);
    // A 204 has no body; Koa's respond() sends none for it.
    if (response.body !== undefined) ctx.body = response.body;
  };
}

/** Siglume webhooks at `path` (default /webhooks/siglume): `app.use(siglumeMiddleware(opts))`, before any body parser. */
export function siglumeMiddleware<TAllowMetered extends boolean = false>(
  options: SiglumeMiddlewareOptions<TAllowMetered>,
): Middleware {
  return webhookMiddleware(siglumeWebhooks(options));
}

export * from "@siglume-middleware/core";
export * from "@siglume-middleware/core/node";
export * from "./checkout.js";
