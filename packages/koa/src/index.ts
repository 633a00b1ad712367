import type { Context, Middleware, Next } from "koa";
import {
  createSiglumeWebhookHandler,
  matchesWebhookPath,
  nodeRequestBody,
  type SiglumeOptions,
} from "@siglume-middleware/core";

export type SiglumeMiddlewareOptions<TAllowMetered extends boolean = false> = SiglumeOptions<TAllowMetered, Context>;

const RAW_BODY_HINT =
  "A body parser (koa-bodyparser, @koa/bodyparser, koa-body) read the request before siglumeMiddleware(), so the " +
  "signed bytes are gone. Use app.use(siglumeMiddleware(...)) before the body parser.";

/**
 * Koa middleware answering Siglume webhooks at `path` (default
 * /webhooks/siglume); every other request goes on to `next()`.
 */
export function siglumeMiddleware<TAllowMetered extends boolean = false>(
  options: SiglumeMiddlewareOptions<TAllowMetered>,
): Middleware {
  const handler = createSiglumeWebhookHandler(options);
  const { path } = handler.options;

  return async function siglumeMiddleware(ctx: Context, next: Next): Promise<void> {
    if (!matchesWebhookPath(path, ctx.path)) return next();
    const response = await handler.handle({
      method: ctx.method,
      header: (name) => ctx.req.headers[name],
      // A body parser that ran first may have kept the text as ctx.request.rawBody.
      readBody: (limit) => nodeRequestBody(ctx.req, limit, (ctx.request as { rawBody?: unknown }).rawBody),
      request: ctx,
      rawBodyHint: RAW_BODY_HINT,
    });
    ctx.status = response.status;
    // Headers before the body: Koa only guesses a Content-Type when none is set.
    for (const name in response.headers) ctx.set(name, response.headers[name]!);
    // A 204 has no body; Koa's respond() sends none for it.
    if (response.body !== undefined) ctx.body = response.body;
  };
}

export * from "@siglume-middleware/core";
export * from "./checkout.js";
