import type { NextFunction, Request, RequestHandler, Response } from "express";
import {
  createSiglumeWebhookHandler,
  matchesWebhookPath,
  readRawBody,
  type SiglumeOptions,
  writeNodeResponse,
} from "@siglume-middleware/core";

export type SiglumeRouterOptions<TAllowMetered extends boolean = false> = SiglumeOptions<TAllowMetered, Request>;

const RAW_BODY_HINT =
  "express.json() (or another body parser) read the request before siglumeRouter(), so the signed bytes are gone. " +
  "Mount app.use(siglumeRouter(...)) before the body parser, or keep the bytes with " +
  "express.json({ verify: (req, _res, buf) => { req.rawBody = buf } }).";

/** The raw bytes: captured by the app (req.rawBody, express.raw()), else read from the stream here. */
function readBody(req: Request, limit: number): Promise<unknown> {
  const captured = (req as Request & { rawBody?: unknown }).rawBody;
  if (captured !== undefined) return Promise.resolve(captured);
  if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body);
  // Consumed by a parser that kept no bytes: the core answers RAW_BODY_UNAVAILABLE with the hint.
  if (req.readableEnded) return Promise.resolve(undefined);
  return readRawBody(req, limit, req.headers["content-length"]);
}

/**
 * Express middleware answering Siglume webhooks at `path` (default
 * /webhooks/siglume) and passing every other request on. It reads the raw body
 * itself, so mount it before express.json().
 */
export function siglumeRouter<TAllowMetered extends boolean = false>(
  options: SiglumeRouterOptions<TAllowMetered>,
): RequestHandler {
  const handler = createSiglumeWebhookHandler(options);
  const { path } = handler.options;

  return function siglumeRouter(req: Request, res: Response, next: NextFunction): void {
    if (!matchesWebhookPath(path, req.path)) return next();
    handler
      .handle({
        method: req.method,
        header: (name) => req.headers[name],
        readBody: (limit) => readBody(req, limit),
        request: req,
        rawBodyHint: RAW_BODY_HINT,
      })
      .then((response) => writeNodeResponse(res, response), next);
  };
}

export * from "@siglume-middleware/core";
