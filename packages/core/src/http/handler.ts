import { toRawBytes } from "../body/raw.js";
import { assertWithinLimit } from "../body/stream.js";
import { isReadinessProbe } from "../classify/readiness.js";
import { resolveSiglumeOptions } from "../dispatch/options.js";
import type { ResolvedSiglumeOptions } from "../dispatch/options.js";
import { routeEvent } from "../dispatch/route.js";
import type { SiglumeContext, SiglumeOptions } from "../dispatch/types.js";
import { SiglumeWebhookError, isSiglumeWebhookError } from "../errors.js";
import { parseSiglumeEvent } from "../event/parse.js";
import type { SiglumeEvent } from "../event/types.js";
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
   * while streaming. Called only after method and Content-Type passed. A
   * framework that has already read the body (Fastify) returns it directly.
   */
  readBody(limit: number): unknown;
  /** The framework's request object, handed to handlers as ctx.request. */
  request: TRequest;
  /** How to fix it when readBody finds the body already parsed (framework-specific advice). */
  rawBodyHint?: string;
}

export interface SiglumeWebhookHandler<TRequest> {
  readonly options: ResolvedSiglumeOptions<TRequest>;
  handle(request: WebhookRequest<TRequest>): Promise<WebhookResponse>;
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === "function";

function defaultOnError(error: unknown, info: { event?: SiglumeEvent }): void {
  console.error(`[siglume-middleware] event ${info.event?.id ?? "(unparsed)"} failed:`, error);
}

/**
 * Builds the one request handler every adapter calls: (method, headers, raw
 * body) in, (status, headers, body) out. Options are validated here, once.
 */
export function createSiglumeWebhookHandler<TAllowMetered extends boolean = false, TRequest = unknown>(
  options: SiglumeOptions<TAllowMetered, TRequest>,
): SiglumeWebhookHandler<TRequest> {
  const resolved = resolveSiglumeOptions(options);
  const { keys, toleranceSeconds, bodyLimit, store, handlers, allowMeteredPayments } = resolved;
  const onError = handlers.onError ?? defaultOnError;
  // The answers that do not depend on the request, serialised once.
  const retryAfter = { "retry-after": String(resolved.retryAfterSeconds) };
  const inFlightResponse = errorResponse(eventInFlight, retryAfter);
  const handlerFailedResponse = errorResponse(handlerFailed);
  const storeUnavailableResponse = errorResponse(storeUnavailable, retryAfter);

  const storeFailed = (error: unknown, event: SiglumeEvent, request: TRequest): WebhookResponse => {
    onError(error, { event, request });
    return storeUnavailableResponse;
  };

  async function handle(req: WebhookRequest<TRequest>): Promise<WebhookResponse> {
    if (req.method !== "POST") return methodNotAllowed;
    if (!isJsonContentType(req.header("content-type"))) return unsupportedMediaType;

    let event: SiglumeEvent;
    let signedAt: number;
    try {
      const read = req.readBody(bodyLimit);
      const body = toRawBytes(isPromiseLike(read) ? await read : read, req.rawBodyHint);
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
      if (isSiglumeWebhookError(error)) return errorResponse(error);
      throw error;
    }

    const ctx: SiglumeContext<TRequest> = { event, signedAt, request: req.request, transaction: undefined };

    // A readiness probe must be acknowledged and must never reach a payment handler or the store.
    if (isReadinessProbe(event)) {
      if (handlers.onReadinessProbe) {
        try {
          await handlers.onReadinessProbe(event, ctx);
        } catch (error) {
          onError(error, { event, request: req.request });
          return handlerFailedResponse;
        }
      }
      return noContent;
    }

    const route = routeEvent(event, handlers, allowMeteredPayments);

    let claim;
    try {
      claim = await store.claim(event.id, { type: event.type });
    } catch (error) {
      return storeFailed(error, event, req.request);
    }
    if (claim.status === "completed") return noContent;
    if (claim.status === "in_flight") return inFlightResponse;
    ctx.transaction = claim.transaction;

    try {
      await route.run(ctx);
    } catch (error) {
      // Free the claim so the redelivery runs the handler again; if even that fails, the claim's lock expires.
      await store.release(event.id, { error }).catch((releaseError: unknown) => onError(releaseError, { event, request: req.request }));
      onError(error, { event, request: req.request });
      return handlerFailedResponse;
    }

    try {
      await store.complete(event.id, { outcome: route.outcome });
    } catch (error) {
      return storeFailed(error, event, req.request);
    }
    return noContent;
  }

  return { options: resolved, handle };
}

const handlerFailed = new SiglumeWebhookError(
  "HANDLER_FAILED",
  "A webhook handler threw, so the event was not acknowledged; Siglume will redeliver it. Details are in this " +
    "server's logs (onError).",
);

const storeUnavailable = new SiglumeWebhookError(
  "STORE_UNAVAILABLE",
  "The idempotency store could not be reached, so the event was not processed. Siglume will redeliver it.",
);

const eventInFlight = new SiglumeWebhookError(
  "EVENT_IN_FLIGHT",
  "Another delivery of this event is being handled right now. Retry after the Retry-After delay.",
);
