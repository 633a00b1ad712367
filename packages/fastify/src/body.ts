import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";
import { performance } from "node:perf_hooks"; // the global is a getter on Node
import type { Readable } from "node:stream";
import {
  type SiglumeWebhookError,
  bodyReadFailedError,
  bodyTimeoutError,
  bodyTooLargeError,
  deadlines,
  isSiglumeWebhookError,
  type Watched,
} from "@siglume-middleware/core";

/** A JSON body as Fastify read it (parseAs: "buffer", with the engine's bodyLimit). */
const keepBytes = (_request: FastifyRequest, body: Buffer, done: (error: null, body: Buffer) => void) => done(null, body);
/** Any other body stays an unread stream: the engine answers 415 without reading it. */
const keepStream = (_request: FastifyRequest, payload: Readable, done: (error: null, body: Readable) => void) => done(null, payload);

/**
 * The body read's deadline (bodyTimeoutMs) while Fastify reads a JSON body: past it, the stream errs with
 * BODY_TIMEOUT, which Fastify hands to the scope's error handler. One entry on the shared deadlines.
 */
class BodyDeadline implements Watched {
  at: number;
  watchSlot: number | undefined = undefined;
  constructor(
    private readonly payload: Readable,
    private readonly timeoutMs: number,
  ) {
    this.at = performance.now() + timeoutMs;
  }
  expire(): void {
    this.payload.pause();
    this.payload.emit("error", bodyTimeoutError(this.timeoutMs));
  }
}

/** The request decoration that holds its body read's deadline while Fastify reads the body. */
const DEADLINE = "siglumeBodyDeadline";
type WithDeadline = { [DEADLINE]: BodyDeadline | null };

/** Ends the body read's deadline of `request`, if it still has one. */
export function endBodyDeadline(request: FastifyRequest): void {
  const holder = request as unknown as Partial<WithDeadline>;
  const deadline = holder[DEADLINE];
  if (deadline == null) return;
  holder[DEADLINE] = null;
  deadlines.delete(deadline);
}

/**
 * Has Fastify read the bodies of `scope`'s routes: a JSON body within `bodyLimit` and `bodyTimeoutMs` into a
 * Buffer (an exact type Fastify looks up in its cache; a catch-all alone is parsed per request), any other type
 * left an unread stream for the engine's 415. The app's own parsers are untouched outside the scope.
 */
export function readBodiesInScope(scope: FastifyInstance, bodyLimit: number, bodyTimeoutMs: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit }, keepBytes);
  scope.addContentTypeParser("*", keepStream);
  // A decoration (declared once, so every request of the scope has the same shape), not a WeakMap entry per request.
  if (!scope.hasRequestDecorator(DEADLINE)) scope.decorateRequest(DEADLINE, null);
  scope.addHook("preParsing", (request, _reply, payload, done) => {
    const deadline = new BodyDeadline(payload, bodyTimeoutMs);
    (request as unknown as WithDeadline)[DEADLINE] = deadline;
    deadlines.add(deadline, bodyTimeoutMs);
    done(null, payload);
  });
  scope.addHook("preValidation", (request, _reply, done) => {
    endBodyDeadline(request);
    done();
  });
}

/** What stopped Fastify's read of a body (over the limit, too slow, cut short), as the engine's refusal. */
export function bodyRefusal(error: FastifyError | SiglumeWebhookError, bodyLimit: number): SiglumeWebhookError {
  if (isSiglumeWebhookError(error)) return error;
  return error.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? bodyTooLargeError(bodyLimit) : bodyReadFailedError(error);
}
