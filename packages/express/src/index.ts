import type { NextFunction, Request, RequestHandler, Response } from "express";
import {
  createSiglumeWebhookHandler,
  matchesWebhookPath,
  nodeRequestBody,
  type SiglumeOptions,
  writeNodeResponse,
} from "@siglume-middleware/core";

export type SiglumeRouterOptions<TAllowMetered extends boolean = false> = SiglumeOptions<TAllowMetered, Request>;

const RAW_BODY_HINT =
  "express.json() (or another body parser) read the request before siglumeRouter(), so the signed bytes are gone. " +
  "Mount app.use(siglumeRouter(...)) before the body parser, or keep the bytes with " +
  "express.json({ verify: (req, _res, buf) => { req.rawBody = buf } }).";

/** Bytes the app kept: a verify hook's req.rawBody, or express.raw()'s Buffer body. */
function capturedBody(req: Request): unknown {
  const { rawBody } = req as Request & { rawBody?: unknown };
  return rawBody ?? (Buffer.isBuffer(req.body) ? req.body : undefined);
}

/**
 * Express middleware answering Siglume webhooks at `path` (default
 * /webhooks/siglume) and passing every other request on. `path` is matched
 * against the full path (`req.baseUrl + req.path`), so both `app.use(router)` and
 * `app.use("/webhooks/siglume", router)` answer there; a path relative to the
 * mount point also matches. It reads the raw body itself, so mount it before express.json().
 */
export function siglumeRouter<TAllowMetered extends boolean = false>(
  options: SiglumeRouterOptions<TAllowMetered>,
): RequestHandler {
  const handler = createSiglumeWebhookHandler(options);
  const { path } = handler.options;
  let quiet = false; // after the first match or the one warning

  return function siglumeRouter(req: Request, res: Response, next: NextFunction): void {
    if (!matchesWebhookPath(path, req.path) && !(req.baseUrl && matchesWebhookPath(path, req.baseUrl + req.path))) {
      if (!quiet && req.method === "POST" && req.headers["siglume-signature"] !== undefined) {
        quiet = true;
        process.emitWarning(
          `siglumeRouter() answers "${path}", but a signed Siglume delivery arrived at "${req.baseUrl + req.path}" and ` +
            "was passed on (likely answered 404). Set path to the path Siglume posts to: the full path, or the part " +
            "after the router's mount point.",
          { code: "SIGLUME_PATH_MISMATCH" },
        );
      }
      return next();
    }
    quiet = true;
    handler
      .handle({
        method: req.method,
        header: (name) => req.headers[name],
        readBody: (limit) => nodeRequestBody(req, limit, capturedBody(req)),
        request: req,
        rawBodyHint: RAW_BODY_HINT,
      })
      .then((response) => writeNodeResponse(res, response), next);
  };
}

export * from "@siglume-middleware/core";
