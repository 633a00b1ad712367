// Node's request stream, read with raw-body: for the Node adapters only (`@siglume-middleware/core/node`),
// never on the web entry point.
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import getRawBody from "raw-body";
import { bodyReadFailedError, bodyTimeoutError, bodyTooLargeError } from "@siglume-middleware/core";
import { deadlines } from "../platform/index.js";
import { monotonicNow } from "../platform/timers.js";

/**
 * Reads a request stream into one Buffer, refusing as soon as `limit` is
 * passed (or at once when Content-Length already says so), so a huge body
 * never sits in memory, and giving up after `timeoutMs`: then the stream is
 * paused, and the BODY_TIMEOUT answer carries `Connection: close`, on which
 * Node closes the socket once the answer is written.
 */
export function readRawBody(
  stream: Readable,
  limit: number,
  contentLength?: string | number | null,
  timeoutMs?: number,
): Promise<Buffer> {
  const length = contentLength == null || contentLength === "" ? undefined : Number(contentLength);
  // raw-body refuses at once when Content-Length exceeds the limit, and
  // otherwise stops reading the moment the running total passes it.
  // Not an `async` function: returning this Promise from one would add a Promise and two turns to every read.
  let reading: Promise<Buffer>;
  try {
    reading = getRawBody(stream, { limit, length: Number.isFinite(length) ? length : undefined });
  } catch (error) {
    return Promise.reject(error).catch(readFailure(limit));
  }
  if (timeoutMs === undefined) return reading.catch(readFailure(limit));
  return new Promise<Buffer>((resolve, reject) => {
    // The shared watchdog, not a timer per request: a body usually arrives within the same tick.
    const deadline = {
      at: monotonicNow() + timeoutMs,
      watchSlot: undefined,
      expire() {
        stream.pause();
        reject(bodyTimeoutError(timeoutMs));
      },
    };
    deadlines.add(deadline, timeoutMs);
    reading.then(
      (body) => {
        deadlines.delete(deadline);
        resolve(body);
      },
      (error: unknown) => {
        deadlines.delete(deadline);
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
    throw bodyReadFailedError(error);
  };
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
