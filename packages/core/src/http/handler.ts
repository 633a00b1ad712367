import { toRawBytes } from "../body/raw.js";
import { assertWithinLimit } from "../body/stream.js";
import { isReadinessProbe } from "../classify/readiness.js";
import { runExactlyOnce, type ExactlyOnceOptions } from "../dispatch/exactly-once.js";
import { resolveSiglumeOptions } from "../dispatch/options.js";
import type { ResolvedSiglumeOptions } from "../dispatch/options.js";
import { containedReporter } from "../dispatch/report.js";
import { reviewRoute, routeEvent, type Route } from "../dispatch/route.js";
import type { SiglumeContext, SiglumeOptions } from "../dispatch/types.js";
import { SiglumeWebhookError, isSiglumeWebhookError } from "../errors.js";
import { parseSiglumeEvent } from "../event/parse.js";
import type { SiglumeEvent } from "../event/types.js";
import { bodyDigest } from "../idempotency/digest.js";
import { SIGNATURE_HEADER } from "../signature/header.js";
import { verifySiglumeSignature } from "../signature/verify.js";
import { errorResponse, isJsonContentType, methodNotAllowed, noContent, unsupportedMediaType } from "./response.js";
import type { WebhookResponse } from "./response.js";

/** The three things an adapter supplies: the method, a header reader, and a way to get the raw body. */
export interface WebhookRequest<TRequest> {
  method: string;
  /** Reads a header by lower-case name. */
  header(name: string): string | string[] | undefined;
  /**
   * Returns the exact body bytes, reading the stream with `limit` enforced
   * while streaming and giving up after `timeoutMs`. Called only after method
   * and Content-Type passed. Bytes already read are returned directly.
   */
  readBody(limit: number, timeoutMs: number): unknown;
  /** The framework's request object, handed to handlers as ctx.request. */
  request: TRequest;
  /** How to fix it when readBody finds the body already parsed (framework-specific advice). */
  rawBodyHint?: string;
}

export interface SiglumeWebhookHandler<TRequest> {
  readonly options: ResolvedSiglumeOptions<TRequest>;
  /** Never rejects: every failure is an answer (and, where it is ours to know, an onError report). */
  handle(request: WebhookRequest<TRequest>): Promise<WebhookResponse>;
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === "function";

function defaultOnError(error: unknown, info: { event?: SiglumeEvent }): void {
  console.error(`[siglume-middleware] event ${info.event?.id ?? "(unparsed)"} failed:`, error);
}

const closeConnection = { connection: "close" };

/**
 * Builds the one request handler every adapter calls: (method, headers, raw
 * body) in, (status, headers, body) out. Options are validated here, once.
 */
export function createSiglumeWebhookHandler<TAllowMetered extends boolean = false, TRequest = unknown>(
  options: SiglumeOptions<TAllowMetered, TRequest>,
): SiglumeWebhookHandler<TRequest> {
  const resolved = resolveSiglumeOptions(options);
  const { keys, toleranceSeconds, bodyLimit, bodyTimeoutMs, store, handlers, allowMeteredPayments } = resolved;
  const report = containedReporter(handlers.onError ?? defaultOnError);
  // The answers that do not depend on the request, serialised once.
  const retryAfter = { "retry-after": String(resolved.retryAfterSeconds) };
  const inFlightResponse = errorResponse(eventInFlight, retryAfter);
  const handlerFailedResponse = errorResponse(handlerFailed, undefined);
  const handlerTimeoutResponse = errorResponse(handlerTimedOut, retryAfter);
  const internalErrorResponse = errorResponse(internalError, undefined);
  const storeResponses = new Map<string, WebhookResponse>();
  const storeFailedResponse = (error: SiglumeWebhookError): WebhookResponse => {
    let response = storeResponses.get(error.code);
    if (!response) storeResponses.set(error.code, (response = errorResponse(error, retryAfter)));
    return response;
  };

  async function runRoute(route: Route<TRequest>, ctx: SiglumeContext<TRequest>, key: string, digest: string): Promise<WebhookResponse> {
    const { event } = ctx;
    const runOptions: ExactlyOnceOptions = {
      store,
      handlerTimeoutMs: resolved.handlerTimeoutMs,
      maxHandlerMs: resolved.maxHandlerMs,
      report: (error) => report(error, { event, request: ctx.request }),
    };
    const outcome = await runExactlyOnce(
      {
        key,
        type: event.type,
        digest,
        run: (transaction) => {
          ctx.transaction = transaction;
          return route.run(ctx);
        },
        completion: () => ({ outcome: route.outcome }),
      },
      runOptions,
    );
    switch (outcome.kind) {
      case "completed":
        return noContent;
      case "duplicate":
        // The same id with another signed body is not a duplicate: it goes to review, once per body.
        if (outcome.digest !== null && outcome.digest !== digest && route.outcome !== REUSED_OUTCOME) {
          const reused = reviewRoute(handlers, { event, reason: "event_id_reused", confirmation: route.confirmation });
          return runRoute(reused, ctx, `${key}#reused:${digest}`, digest);
        }
        return noContent;
      case "in_flight":
        return inFlightResponse;
      case "failed":
        return handlerFailedResponse;
      case "timeout":
        return handlerTimeoutResponse;
      case "store_failed":
        return storeFailedResponse(outcome.error);
    }
  }

  async function handle(req: WebhookRequest<TRequest>): Promise<WebhookResponse> {
    if (req.method !== "POST") return methodNotAllowed;
    if (!isJsonContentType(req.header("content-type"))) return unsupportedMediaType;

    let event: SiglumeEvent;
    let signedAt: number;
    let body: Buffer | string;
    try {
      const read = req.readBody(bodyLimit, bodyTimeoutMs);
      body = toRawBytes(isPromiseLike(read) ? await read : read, req.rawBodyHint);
      assertWithinLimit(body, bodyLimit);
      signedAt = verifySiglumeSignature(
        body,
        req.header(SIGNATURE_HEADER),
        keys,
        toleranceSeconds,
        Math.floor(Date.now() / 1000),
      ).timestamp;
      event = parseSiglumeEvent(body);
    } catch (error) {
      if (!isSiglumeWebhookError(error)) throw error;
      return errorResponse(error, error.code === "BODY_TIMEOUT" ? closeConnection : undefined);
    }

    const ctx: SiglumeContext<TRequest> = { event, signedAt, request: req.request, transaction: undefined };

    // A readiness probe must be acknowledged and must never reach a payment handler or the store.
    if (isReadinessProbe(event)) {
      if (handlers.onReadinessProbe) {
        try {
          await handlers.onReadinessProbe(event, ctx);
        } catch (error) {
          report(error, { event, request: req.request });
          return handlerFailedResponse;
        }
      }
      return noContent;
    }

    return runRoute(routeEvent(event, handlers, allowMeteredPayments), ctx, event.id, bodyDigest(body));
  }

  return {
    options: resolved,
    handle: (req) =>
      handle(req).catch((error: unknown) => {
        report(error, { request: req.request });
        return internalErrorResponse;
      }),
  };
}

const REUSED_OUTCOME = "review:event_id_reused";

const handlerFailed = new SiglumeWebhookError(
  "HANDLER_FAILED",
  "A webhook handler threw, so the event was not acknowledged; the sender will redeliver it. Details are in this " +
    "server's logs (onError).",
);

const handlerTimedOut = new SiglumeWebhookError(
  "HANDLER_TIMEOUT",
  "The webhook handler did not finish within handlerTimeoutMs, so the event was not acknowledged; the sender " +
    "will redeliver it. The handler keeps the event until it settles (redeliveries meanwhile get 409).",
);

const eventInFlight = new SiglumeWebhookError(
  "EVENT_IN_FLIGHT",
  "Another delivery of this event is being handled right now. Retry after the Retry-After delay.",
);

const internalError = new SiglumeWebhookError(
  "INTERNAL_ERROR",
  "The webhook could not be processed because of an unexpected error in this server; it was not acknowledged. " +
    "Details are in this server's logs (onError).",
);
