import {
  SiglumeWebhookError,
  createWebhookHandler,
  errorResponse,
  siglumeWebhooks,
  type SiglumeOptions,
  type WebhookProvider,
} from "@siglume-middleware/core";
import { headerOf, headersOf, pathOf, requestBody, toResponse, waitUntilOf } from "./request.js";

/**
 * A web-standard handler: `(request) => Promise<Response>`. Extra arguments are what runtimes pass
 * (a Worker's `env` and `ctx`, Next.js's route context); a `ctx.waitUntil` among them keeps work that
 * outlives the answer alive.
 */
export type FetchHandler = (request: Request, ...runtime: unknown[]) => Promise<Response>;

/** Options of `siglumeFetchHandler`: the core's Siglume options, with handlers receiving the `Request`. */
export type SiglumeFetchHandlerOptions<TAllowMetered extends boolean = false> = SiglumeOptions<TAllowMetered, Request>;

const RAW_BODY_HINT =
  "The request body was already read (request.json(), request.text() or a framework's body parser) before the " +
  "webhook handler, so the signed bytes are gone. Give the handler the Request untouched.";

/**
 * A provider's webhooks as a fetch handler: `export const POST = webhookFetchHandler(provider)` in a
 * Next.js route file, `Bun.serve({ fetch })`, `Deno.serve(handler)`, or a Worker's `fetch`. A request to
 * a path the provider does not serve is answered 404, naming the paths it does.
 */
export function webhookFetchHandler(provider: WebhookProvider<Request> | WebhookProvider<unknown>): FetchHandler {
  const handler = createWebhookHandler(provider as WebhookProvider<Request>);
  const paths = handler.routes.map((route) => `"${route.path}"`).join(", ");
  const notFound = errorResponse(
    new SiglumeWebhookError(
      "ROUTE_NOT_FOUND",
      `This ${provider.displayName} webhook handler answers ${paths}, and this request was for another path. Set the ` +
        "path option to the path the sender posts to; in Next.js, the route file must sit at that path " +
        `(app${handler.routes[0]!.path}/route.ts for ${handler.routes[0]!.path}).`,
    ),
  );

  return async function webhookFetchHandler(request: Request, ...runtime: unknown[]): Promise<Response> {
    const path = pathOf(request.url);
    const route = handler.match(path);
    if (route === undefined) return toResponse(notFound);
    return toResponse(
      await handler.handle({
        method: request.method,
        header: headerOf(request),
        headers: headersOf(request),
        readBody: (limit, timeoutMs) => requestBody(request, limit, timeoutMs),
        request,
        route,
        path,
        rawBodyHint: RAW_BODY_HINT,
        waitUntil: waitUntilOf(runtime),
      }),
    );
  };
}

/** Siglume webhooks as a fetch handler at `path` (default /webhooks/siglume). */
export function siglumeFetchHandler<TAllowMetered extends boolean = false>(
  options: SiglumeFetchHandlerOptions<TAllowMetered>,
): FetchHandler {
  return webhookFetchHandler(siglumeWebhooks(options));
}

export { headerOf, headersOf, pathOf, requestBody, toResponse, waitUntilOf } from "./request.js";
export * from "@siglume-middleware/core";
export * from "./checkout.js";
