import { SiglumeWebhookError } from "../errors.js";

/** What an adapter writes back, decided entirely by the core. */
export interface WebhookResponse {
  /** The HTTP status to write. */
  status: number;
  /** The headers to write (lower-case names). */
  headers: Record<string, string>;
  /** JSON text, or undefined for 204. */
  body: string | undefined;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" } as const;

/**
 * The answer for a refused request: the error's status and a JSON body `{ "error": { "code", "message" } }`, never
 * its cause.
 */
export function errorResponse(error: SiglumeWebhookError, extraHeaders?: Record<string, string> | undefined): WebhookResponse {
  // Only the code and our own message: never a cause, whose text may be a library's or a user's.
  return {
    status: error.status,
    headers: { ...JSON_HEADERS, ...extraHeaders },
    body: JSON.stringify({ error: { code: error.code, message: error.message } }),
  };
}

/** Successful handling, a duplicate, or a readiness probe. Shared: adapters must not mutate it. */
export const noContent: WebhookResponse = Object.freeze({ status: 204, headers: Object.freeze({}), body: undefined });

/** `application/json` with any parameters (charset), case-insensitive. */
export function isJsonContentType(header: string | string[] | undefined): boolean {
  if (typeof header !== "string") return false;
  if (header === "application/json") return true; // what Siglume sends: no allocation for the common case
  const semicolon = header.indexOf(";");
  const essence = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  return essence === "application/json";
}
