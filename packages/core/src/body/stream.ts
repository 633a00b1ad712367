import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import getRawBody from "raw-body";
import { SiglumeWebhookError } from "../errors.js";

/** BODY_TOO_LARGE for `limit`; also used by adapters whose framework enforces the limit. */
export function bodyTooLargeError(limit: number): SiglumeWebhookError {
  return new SiglumeWebhookError(
    "BODY_TOO_LARGE",
    `The request body is larger than the ${limit}-byte limit. Siglume events are small; raise bodyLimit only if ` +
      "a legitimate delivery was refused.",
  );
}

/**
 * Reads a request stream into one Buffer, refusing as soon as `limit` is
 * passed (or at once when Content-Length already says so), so a huge body
 * never sits in memory.
 */
export async function readRawBody(
  stream: Readable,
  limit: number,
  contentLength?: string | number | null,
): Promise<Buffer> {
  const length = contentLength == null || contentLength === "" ? undefined : Number(contentLength);
  try {
    // raw-body refuses at once when Content-Length exceeds the limit, and
    // otherwise stops reading the moment the running total passes it.
    return await getRawBody(stream, { limit, length: Number.isFinite(length) ? length : undefined });
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === "entity.too.large") throw bodyTooLargeError(limit);
    throw new SiglumeWebhookError(
      "BODY_READ_FAILED",
      "The request body could not be read completely (the client disconnected or Content-Length was wrong).",
      { cause: error },
    );
  }
}

export function assertWithinLimit(body: Buffer | string, limit: number): void {
  const size = typeof body === "string" ? Buffer.byteLength(body) : body.length;
  if (size > limit) throw bodyTooLargeError(limit);
}

/**
 * The raw body of a Node request for the adapters: bytes the app already kept
 * (`captured`: req.rawBody and the like), else the stream read here. When a
 * body parser consumed the stream and kept nothing, gives undefined, which
 * the core answers with RAW_BODY_UNAVAILABLE and the adapter's hint. Kept
 * bytes are returned as they are; a stream read returns a Promise.
 */
export function nodeRequestBody(request: IncomingMessage, limit: number, captured: unknown): unknown {
  if (captured !== undefined) return captured;
  if (request.readableEnded) return undefined;
  return readRawBody(request, limit, request.headers["content-length"]);
}
