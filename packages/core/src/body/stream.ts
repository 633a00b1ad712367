import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import getRawBody from "raw-body";
import { watchdog } from "../engine/watchdog.js";
import { SiglumeWebhookError } from "../errors.js";

/** BODY_TOO_LARGE for `limit`; also used by adapters whose framework enforces the limit. */
export function bodyTooLargeError(limit: number): SiglumeWebhookError {
  return new SiglumeWebhookError(
    "BODY_TOO_LARGE",
    `The request body is larger than the ${limit}-byte limit. Siglume events are small; raise bodyLimit only if ` +
      "a legitimate delivery was refused.",
  );
}

export const bodyTimeoutError = (timeoutMs: number) =>
  new SiglumeWebhookError(
    "BODY_TIMEOUT",
    `The request body did not arrive within ${timeoutMs} ms, so the connection was closed. A legitimate sender ` +
      "sends its body at once; a slow network or proxy in between would need a larger bodyTimeoutMs.",
  );

/**
 * Reads a request stream into one Buffer, refusing as soon as `limit` is
 * passed (or at once when Content-Length already says so), so a huge body
 * never sits in memory, and giving up after `timeoutMs`: then the stream is
 * paused, and the BODY_TIMEOUT answer carries `Connection: close`, on which
 * Node closes the socket once the answer is written.
 */
export async function readRawBody(
  stream: Readable,
  limit: number,
  contentLength?: string | number | null,
  timeoutMs?: number,
): Promise<Buffer> {
  const length = contentLength == null || contentLength === "" ? undefined : Number(contentLength);
  // raw-body refuses at once when Content-Length exceeds the limit, and
  // otherwise stops reading the moment the running total passes it.
  const reading = getRawBody(stream, { limit, length: Number.isFinite(length) ? length : undefined });
  if (timeoutMs === undefined) return reading.catch(readFailure(limit));
  return new Promise<Buffer>((resolve, reject) => {
    // The shared watchdog, not a timer per request: a body usually arrives within the same tick.
    const deadline = {
      at: watchdog.now() + timeoutMs,
      expire() {
        stream.pause();
        reject(bodyTimeoutError(timeoutMs));
      },
    };
    watchdog.add(deadline, timeoutMs);
    reading.then(
      (body) => {
        watchdog.delete(deadline);
        resolve(body);
      },
      (error: unknown) => {
        watchdog.delete(deadline);
        // Past the deadline this changes nothing: the promise settled with BODY_TIMEOUT.
        try {
          readFailure(limit)(error);
        } catch (failure) {
          reject(failure);
        }
      },
    );
  });
}

function readFailure(limit: number) {
  return (error: unknown): never => {
    const type = (error as { type?: string }).type;
    if (type === "entity.too.large") throw bodyTooLargeError(limit);
    throw new SiglumeWebhookError(
      "BODY_READ_FAILED",
      "The request body could not be read completely (the client disconnected or Content-Length was wrong).",
      { cause: error },
    );
  };
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
export function nodeRequestBody(request: IncomingMessage, limit: number, captured: unknown, timeoutMs?: number): unknown {
  if (captured !== undefined) return captured;
  if (request.readableEnded) return undefined;
  return readRawBody(request, limit, request.headers["content-length"], timeoutMs);
}
