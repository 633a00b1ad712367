import type { ServerResponse } from "node:http";
import type { WebhookResponse } from "./response.js";

/** Writes the core's decision to a plain Node response (Express, or any http.Server). */
export function writeNodeResponse(res: ServerResponse, response: WebhookResponse): void {
  res.statusCode = response.status;
  for (const name in response.headers) res.setHeader(name, response.headers[name]!);
  res.end(response.body);
}
