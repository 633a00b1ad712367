import type { Context, MiddlewareHandler } from "hono";
import {
  createWebhookHandler,
  siglumeWebhooks,
  type SiglumeOptions,
  type WebhookProvider,
  type WebhookResponse,
} from "@siglume-middleware/core";
import { headerOf, headersOf, requestBody } from "@siglume-middleware/web";

/** Options of `siglumeMiddleware`: the core's Siglume options, with handlers receiving Hono's `Context`. */
export type SiglumeMiddlewareOptions<TAllowMetered extends boolean = false> = SiglumeOptions<TAllowMetered, Context>;

const RAW_BODY_HINT =
  "Another middleware parsed the body (c.req.json() of an older Hono, c.req.parseBody(), a validator) before the " +
  "webhook middleware, so the signed bytes are gone. Mount the webhook middleware first, or read the body there " +
  "with c.req.text() or c.req.arrayBuffer(), whose bytes Hono keeps.";

/** A value the core refuses as "already parsed" (BODY_NOT_RAW), with the hint above. */
const PARSED = Object.freeze({ parsed: true });

/**
 * The body as received: read from the stream with the limit and timeout, or, when another middleware read it
 * through `c.req`, the exact text or bytes Hono kept (a parsed-only cache is refused: its bytes are gone).
 */
export function honoBody(c: Context, limit: number, timeoutMs: number): unknown {
  const cache = c.req.bodyCache as Record<string, Promise<unknown> | undefined>;
  if (cache.arrayBuffer !== undefined) return cache.arrayBuffer.then((bytes) => new Uint8Array(bytes as ArrayBuffer));
  if (cache.text !== undefined) return cache.text;
  for (const _ in cache) return PARSED;
  return requestBody(c.req.raw, limit, timeoutMs);
}

/**
 * Hands work that outlives the answer to the Worker's `waitUntil` when Hono runs on one. Asked only when there
 * is such work: `c.executionCtx` throws where there is no ExecutionContext, and an Error per request is costly.
 */
function keepAlive(c: Context, promise: Promise<unknown>): void {
  let ctx: { waitUntil(promise: Promise<unknown>): void } | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    return; // no ExecutionContext: the process lives on
  }
  ctx.waitUntil(promise);
}

/** Writes the core's answer as Hono's response. */
export const honoResponse = (c: Context, { body, status, headers }: WebhookResponse): Response =>
  body === undefined ? c.body(null, status as 204, headers) : c.body(body, status as 200, headers);

/**
 * Hono middleware answering a provider's webhooks at its routes; every other request goes on to `next()`:
 * `app.use(webhookMiddleware(provider))`.
 */
export function webhookMiddleware(provider: WebhookProvider<Context> | WebhookProvider<unknown>): MiddlewareHandler {
  const handler = createWebhookHandler(provider as WebhookProvider<Context>);

  return async function webhookMiddleware(c, next) {
    const route = handler.match(c.req.path);
    if (route === undefined) return next();
    const response = await handler.handle({
      method: c.req.method,
      header: headerOf(c.req.raw),
      headers: headersOf(c.req.raw),
      readBody: (limit, timeoutMs) => honoBody(c, limit, timeoutMs),
      request: c,
      route,
      path: c.req.path,
      rawBodyHint: RAW_BODY_HINT,
      waitUntil: (promise) => keepAlive(c, promise),
    });
    return honoResponse(c, response);
  };
}

/** Siglume webhooks at `path` (default /webhooks/siglume): `app.use(siglumeMiddleware(opts))`. */
export function siglumeMiddleware<TAllowMetered extends boolean = false>(
  options: SiglumeMiddlewareOptions<TAllowMetered>,
): MiddlewareHandler {
  return webhookMiddleware(siglumeWebhooks(options));
}

export * from "@siglume-middleware/core";
export * from "./checkout.js";
