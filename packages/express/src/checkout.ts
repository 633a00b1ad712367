import type { NextFunction, Request, RequestHandler, Response } from "express";
import { createSiglumeCheckoutHandler, type SiglumeCheckoutOptions } from "@siglume-middleware/checkout";
import { matchesWebhookPath, nodeRequestBody, writeNodeResponse } from "@siglume-middleware/core";

export type SiglumeCheckoutRouterOptions = SiglumeCheckoutOptions<Request>;

/**
 * Express middleware answering `POST /checkout/siglume/start` (`path`) with the checkout core's
 * decision; every other request goes on. Mount it after your session/auth middleware and body
 * parser (it reads `req.body`, or the stream when no parser ran), and after `siglumeRouter()`.
 */
export function siglumeCheckoutRouter(options: SiglumeCheckoutRouterOptions): RequestHandler {
  const handler = createSiglumeCheckoutHandler(options);
  const { path } = handler.options;

  return function siglumeCheckoutRouter(req: Request, res: Response, next: NextFunction): void {
    if (!matchesWebhookPath(path, req.path)) return next();
    handler
      .handle({
        method: req.method,
        header: (name) => req.headers[name],
        readBody: (limit) => (req.body !== undefined ? req.body : nodeRequestBody(req, limit, undefined)),
        request: req,
      })
      .then((response) => writeNodeResponse(res, response), next);
  };
}

export * from "@siglume-middleware/checkout";
