import type { ServerResponse } from "node:http";
import type { WebhookResponse } from "@siglume-middleware/core";

/**
 * Writes the core's decision to a plain Node response (Express, or any
 * http.Server), unless something else (a timeout middleware) answered first:
 * then it writes nothing and returns false.
 */
export function writeNodeResponse(res: ServerResponse, response: WebhookResponse): boolean {
  if (res.headersSent || res.writableEnded) return false;
  res.statusCode = response.status;
  for (const name in response.headers) res.setHeader(name, response.headers[name]!);
  res.end(response.body);
  return true;
}
