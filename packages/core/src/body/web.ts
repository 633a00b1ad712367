import { deadlines } from "../platform/index.js";
import { bodyReadFailedError, bodyTimeoutError, bodyTooLargeError } from "./limits.js";
import { monotonicNow } from "../platform/timers.js";
import { isDigits } from "../event/text.js";

const EMPTY = new Uint8Array(0);

/**
 * Reads a web `ReadableStream` body (a fetch `Request`'s) into one Uint8Array,
 * refusing at once when Content-Length is over `limit` and otherwise as soon
 * as the running total passes it (the stream is cancelled: a huge body is
 * never buffered whole), and giving up after `timeoutMs` (BODY_TIMEOUT).
 */
export function readWebBody(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  contentLength: string | null | undefined,
  timeoutMs: number,
): Promise<Uint8Array> {
  if (body === null) return Promise.resolve(EMPTY);
  const declared = contentLength == null || contentLength === "" ? Number.NaN : Number(contentLength);
  if (declared > limit) {
    body.cancel().catch(() => {});
    return Promise.reject(bodyTooLargeError(limit));
  }
  const reader = body.getReader();
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let done = false;
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      deadlines.delete(deadline);
      reader.cancel().catch(() => {});
      reject(error);
    };
    const deadline = { at: monotonicNow() + timeoutMs, watchSlot: undefined, expire: () => fail(bodyTimeoutError(timeoutMs)) };
    deadlines.add(deadline, timeoutMs);
    const pump = (): void => {
      reader.read().then((result) => {
        if (done) return;
        if (result.done) {
          done = true;
          deadlines.delete(deadline);
          resolve(chunks.length === 1 ? chunks[0]! : join(chunks, total));
          return;
        }
        const chunk = result.value;
        total += chunk.length;
        if (total > limit) return fail(bodyTooLargeError(limit));
        chunks.push(chunk);
        pump();
      }, (error: unknown) => fail(bodyReadFailedError(error)));
    };
    pump();
  });
}

function join(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 0) return EMPTY;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** @hono/node-server's own symbol on its Requests, once one was seen. */
let incomingKey: symbol | undefined;

/**
 * Whether `request` is `@hono/node-server`'s own Request, whose `arrayBuffer()` reads straight from Node's
 * IncomingMessage: Node's HTTP parser frames that body to its Content-Length. Any other Request's
 * `arrayBuffer()` reads its stream without a bound (an app-built Request may carry any Content-Length), so only
 * this one takes the fast path; if the check ever stops recognising it, only speed is lost.
 */
function readsFromNodeSocket(request: Request): boolean {
  if (incomingKey !== undefined && Object.prototype.hasOwnProperty.call(request, incomingKey)) return true;
  for (const symbol of Object.getOwnPropertySymbols(request)) {
    if (symbol.description === "incomingKey") {
      incomingKey = symbol; // the same symbol on every such Request: found once, then one property check
      return true;
    }
  }
  return false;
}

/**
 * Reads a fetch `Request`'s body with the limit and the timeout. On `@hono/node-server`, a body framed by a
 * Content-Length within the limit is read whole through `arrayBuffer()`, the fastest read there (touching
 * `request.body` would first build a full undici Request); its length is checked again. Every other body is
 * read from its stream by `readWebBody`, the limit enforced while reading and the stream cancelled past it or
 * at the timeout.
 */
export function readRequestBody(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array> {
  const length = request.headers.get("content-length");
  if (length === null || !isDigits(length) || Number(length) > limit || !readsFromNodeSocket(request)) {
    return readWebBody(request.body, limit, length, timeoutMs);
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    let done = false;
    const deadline = {
      at: monotonicNow() + timeoutMs,
      watchSlot: undefined,
      expire: () => {
        if (done) return;
        done = true;
        reject(bodyTimeoutError(timeoutMs));
      },
    };
    deadlines.add(deadline, timeoutMs);
    request.arrayBuffer().then(
      (buffer) => {
        if (done) return;
        done = true;
        deadlines.delete(deadline);
        if (buffer.byteLength > limit) reject(bodyTooLargeError(limit));
        else resolve(new Uint8Array(buffer));
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        deadlines.delete(deadline);
        reject(bodyReadFailedError(error));
      },
    );
  });
}
