// The three small pieces every web-standard mount is built from: the path of a Request, its body read with a
// limit and a timeout, and a Response from the core's answer. Shared with the Hono middleware.
import { readRequestBody, type WebhookResponse } from "@siglume-middleware/core";

/** The path of a request URL (no query, no fragment), without parsing the whole URL. */
export function pathOf(url: string): string {
  const scheme = url.indexOf("://");
  const start = scheme === -1 ? 0 : url.indexOf("/", scheme + 3);
  if (start === -1) return "/";
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === 63 /* ? */ || code === 35 /* # */) {
      end = i;
      break;
    }
  }
  return url.slice(start, end);
}

/** Every header of a fetch Request as a plain object (names lower case; repeated values joined by ", "). */
export const headersOf = (request: Request) => (): Record<string, string> => Object.fromEntries(request.headers);

/** Reads a header of a fetch Request the way the core asks (lower-case name; undefined when absent). */
export const headerOf = (request: Request) => (name: string): string | undefined => request.headers.get(name) ?? undefined;

/**
 * The raw body of a fetch Request, with the limit and a timeout (`readRequestBody`); undefined when something
 * already read it (the core then answers RAW_BODY_UNAVAILABLE with `hint`).
 */
export function requestBody(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array> | undefined {
  if (request.bodyUsed) return undefined;
  return readRequestBody(request, limit, timeoutMs);
}

/** The core's answer as a Response. */
export function toResponse(response: WebhookResponse): Response {
  return new Response(response.body ?? null, { status: response.status, headers: response.headers });
}

/** A runtime's `waitUntil` (a Cloudflare Worker's ExecutionContext, passed as the fetch handler's third argument). */
export function waitUntilOf(extra: readonly unknown[]): ((promise: Promise<unknown>) => void) | undefined {
  for (const value of extra) {
    const waitUntil = (value as { waitUntil?: unknown } | null | undefined)?.waitUntil;
    if (typeof waitUntil === "function") return (promise) => waitUntil.call(value, promise);
  }
  return undefined;
}
