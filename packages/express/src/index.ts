import type { NextFunction, Request, RequestHandler, Response } from "express";
import { Buffer } from "node:buffer";
import {
  createWebhookHandler,
  siglumeWebhooks,
  type SiglumeOptions,
  type WebhookProvider,
} from "@siglume-middleware/core";
import { nodeRequestBody, writeNodeResponse } from "@siglume-middleware/core/node";

/** Options of `siglumeRouter`: {@link SiglumeOptions} with Express's `Request` as `ctx.request`. */
export type SiglumeRouterOptions<TAllowMetered extends boolean = false> = SiglumeOptions<TAllowMetered, Request>;

const RAW_BODY_HINT =
  "express.json() (or another body parser) read the request before the webhook router, so the signed bytes are " +
  "gone. Mount the router before the body parser, or keep the bytes with " +
  "express.json({ verify: (req, _res, buf) => { req.rawBody = buf } }).";


/** Bytes the app kept: a verify hook's req.rawBody, or express.raw()'s Buffer body. */
function capturedBody(req: Request): unknown {
  const { rawBody } = req as Request & { rawBody?: unknown };
  return rawBody ?? (Buffer.isBuffer(req.body) ? req.body : undefined);
}

/**
 * Express middleware answering a provider's webhooks at its routes and
 * passing every other request on. It reads the raw body itself, so mount it
 * before express.json(). Paths match whether the router is mounted at the
 * root (`app.use(router)`) or under a prefix (`app.use("/webhooks/siglume", router)`).
 */
export function webhookRouter(provider: WebhookProvider<Request> | WebhookProvider<unknown>): RequestHandler {
  const handler = createWebhookHandler(provider as WebhookProvider<Request>);
  const { signatureHeader } = provider;
  const answers = handler.routes.map((r) => `"${r.path}"`).join(", ");
  let quiet = false; // after the first match, or the one warning

  return function webhookRouter(req: Request, res: Response, next: NextFunction): void {
    const route = handler.match(req.baseUrl + req.path) ?? (req.baseUrl === "" ? undefined : handler.match(req.path));
    if (route === undefined) {
      // A router that never matched while signed deliveries pass it by is mounted at the wrong place.
      if (!quiet && signatureHeader !== undefined && req.method === "POST" && req.headers[signatureHeader] !== undefined) {
        quiet = true;
        provider.engine.logger.warn(
          `The ${provider.displayName} webhook router answers ${answers}, but a signed delivery arrived at ` +
            `"${req.baseUrl + req.path}" and was passed on (likely answered 404). Set the path option to the path the ` +
            "sender posts to: the full path, or the part after the router's mount point.",
          { provider: provider.name, code: "WEBHOOK_PATH_MISMATCH" },
        );
      }
      return next();
    }
    quiet = true;
    handler
      .handle({
        method: req.method,
        header: (name) => req.headers[name],
        readBody: (limit, timeoutMs) => nodeRequestBody(req, limit, capturedBody(req), timeoutMs),
        request: req,
        route,
        path: req.originalUrl,
        rawBodyHint: RAW_BODY_HINT,
      })
      .then((response) => {
        // Nothing is written when another middleware (a timeout) answered first; a failed write goes to Express.
        try {
          writeNodeResponse(res, response);
        } catch (error) {
          next(error);
        }
      }, next);
  };
}

/** Siglume webhooks at `path` (default /webhooks/siglume): `app.use(siglumeRouter(opts))`. */
export function siglumeRouter<TAllowMetered extends boolean = false>(
  options: SiglumeRouterOptions<TAllowMetered>,
): RequestHandler {
  return webhookRouter(siglumeWebhooks(options));
}

export * from "@siglume-middleware/core";
export * from "@siglume-middleware/core/node";
export * from "./checkout.js";
