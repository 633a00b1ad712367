import { toRawBytes } from "../body/raw.js";
import { assertWithinLimit } from "../body/limits.js";
import { SiglumeWebhookError, isSiglumeWebhookError } from "../errors.js";
import { matchesWebhookPath, pathWithoutQuery } from "../http/path.js";
import { errorResponse, isJsonContentType } from "../http/response.js";
import type { WebhookResponse } from "../http/response.js";
import { decisionRunner } from "./decision.js";
import { runExactlyOnce, type ExactlyOnceOptions } from "./exactly-once.js";
import { isPromiseLike } from "./maybe.js";
import type { InboundRequest, OncePlan, Plan, WebhookProvider, WebhookRoute } from "./provider.js";

/** The three things an adapter supplies: the method, a header reader, and a way to get the raw body. */
export interface WebhookRequest<TRequest> {
  method: string;
  /** Reads a header by lower-case name. */
  header(name: string): string | string[] | undefined;
  /** Lists every header (lower-case names) for providers whose verifier takes the whole set; optional. */
  headers?: (() => Readonly<Record<string, string | string[] | undefined>>) | undefined;
  /**
   * Returns the exact body bytes, reading the stream with `limit` enforced
   * while streaming and giving up after `timeoutMs`. Called only after method
   * and Content-Type passed. Bytes already read are returned directly.
   */
  readBody(limit: number, timeoutMs: number): unknown;
  /** The framework's request object, handed to handlers as ctx.request. */
  request: TRequest;
  /** The route the adapter matched (default: the provider's first). */
  route?: WebhookRoute | undefined;
  /** The request's URL as it arrived (mount prefixes included); a query is ignored. */
  path?: string | undefined;
  /** How to fix it when readBody finds the body already parsed (framework-specific advice). */
  rawBodyHint?: string | undefined;
  /**
   * Keeps work that outlives the answer alive where the runtime would end it with the response (a Cloudflare
   * Worker's `ctx.waitUntil`): a handler still running past handlerTimeoutMs, a decision recorded after its deadline.
   */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

export interface WebhookHandler<TRequest> {
  readonly provider: WebhookProvider<TRequest>;
  readonly routes: readonly WebhookRoute[];
  /** The route whose path is `path` (one trailing slash tolerated), if any. */
  match(path: string): WebhookRoute | undefined;
  /** Never rejects: every failure is an answer (and, where it is ours to know, an onError report). */
  handle(request: WebhookRequest<TRequest>): Promise<WebhookResponse>;
}

const closeConnection = { connection: "close" };

/**
 * The engine every adapter calls: (method, headers, raw body) in, (status,
 * headers, body) out, for any provider. It owns the order of things: method
 * and media type, header-only checks, the bounded body read, authentication
 * (the provider's), then the provider's plan run exactly once, and the answer.
 */
export function createWebhookHandler<TRequest>(provider: WebhookProvider<TRequest>): WebhookHandler<TRequest> {
  const { engine, routes } = provider;
  const { store, bodyLimit, bodyTimeoutMs } = engine;
  const [defaultRoute] = routes;
  if (defaultRoute === undefined) throw new TypeError(`${provider.name}: a provider needs at least one route.`);

  // The answers that do not depend on the request, serialised once.
  const retryAfter = { "retry-after": String(engine.retryAfterSeconds) };
  const methodNotAllowed = errorResponse(
    new SiglumeWebhookError("METHOD_NOT_ALLOWED", `${provider.displayName} webhooks are delivered with POST.`),
    { allow: "POST" },
  );
  const unsupportedMediaType = errorResponse(
    new SiglumeWebhookError(
      "UNSUPPORTED_MEDIA_TYPE",
      `${provider.displayName} webhooks are sent with "Content-Type: application/json"; this request had another type.`,
    ),
  );
  const inFlightResponse = errorResponse(eventInFlight, retryAfter);
  const handlerFailedResponse = errorResponse(handlerFailed(provider.displayName));
  const handlerTimeoutResponse = errorResponse(handlerTimedOut, retryAfter);
  const internalErrorResponse = errorResponse(internalError);
  const storeResponses = new Map<string, WebhookResponse>();
  const storeFailedResponse = (error: SiglumeWebhookError): WebhookResponse => {
    let response = storeResponses.get(error.code);
    if (!response) storeResponses.set(error.code, (response = errorResponse(error, retryAfter)));
    return response;
  };
  const decisions = decisionRunner(engine);

  // A body parser that ran first makes every delivery fail the same way: the fix is logged once (per mounted
  // handler, so once per process for an app), and onError hears of every such delivery.
  let rawBodyLogged = false;
  function rawBodyLost(error: SiglumeWebhookError, request: TRequest): void {
    if (!rawBodyLogged) {
      rawBodyLogged = true;
      engine.logger.error(`${provider.displayName} webhooks cannot be verified: ${error.message}`, { provider: provider.name, code: error.code });
    }
    engine.report(error, { provider: provider.name, request });
  }

  const reporterFor = (request: TRequest, info: Record<string, unknown>) => (error: unknown) =>
    engine.report(error, { provider: provider.name, request, ...info });

  async function runOnce(plan: OncePlan, req: WebhookRequest<TRequest>): Promise<WebhookResponse> {
    const report = reporterFor(req.request, plan.info);
    const options: ExactlyOnceOptions = {
      store,
      handlerTimeoutMs: engine.handlerTimeoutMs,
      maxHandlerMs: engine.maxHandlerMs,
      report,
      waitUntil: req.waitUntil,
    };
    const outcome = await runExactlyOnce(
      { key: plan.key, type: plan.type, digest: plan.digest, run: plan.run, completion: () => ({ outcome: plan.outcome }) },
      options,
    );
    switch (outcome.kind) {
      case "completed":
        return plan.acknowledge;
      case "duplicate":
        // The same key with another signed body is not a duplicate: the provider decides (a review, once).
        if (outcome.digest !== null && outcome.digest !== plan.digest && plan.reused) return execute(plan.reused(), req);
        return plan.acknowledge;
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

  async function execute(plan: Plan, req: WebhookRequest<TRequest>): Promise<WebhookResponse> {
    switch (plan.kind) {
      case "answer":
        return plan.response;
      case "once":
        return runOnce(plan, req);
      case "decision": {
        const answer = await decisions.run(plan, reporterFor(req.request, plan.info), req.waitUntil);
        return "kind" in answer ? execute(answer, req) : answer;
      }
      case "unrecorded":
        try {
          const value = plan.run();
          if (isPromiseLike(value)) await value;
          return plan.acknowledge;
        } catch (error) {
          reporterFor(req.request, plan.info)(error);
          return handlerFailedResponse;
        }
    }
  }

  async function handle(req: WebhookRequest<TRequest>): Promise<WebhookResponse> {
    const receivedAt = performance.now();
    if (req.method !== "POST") return methodNotAllowed;
    if (!isJsonContentType(req.header("content-type"))) return unsupportedMediaType;

    const inbound: InboundRequest<TRequest> = { route: req.route ?? defaultRoute!, path: req.path === undefined ? undefined : pathWithoutQuery(req.path), header: req.header, headers: req.headers, request: req.request, receivedAt };
    let plan: Plan;
    try {
      provider.preflight?.(inbound);
      const read = req.readBody(bodyLimit, bodyTimeoutMs);
      const body = toRawBytes(isPromiseLike(read) ? await read : read, req.rawBodyHint);
      assertWithinLimit(body, bodyLimit);
      const received = provider.receive({ ...inbound, body });
      plan = isPromiseLike(received) ? await received : received;
    } catch (error) {
      if (!isSiglumeWebhookError(error)) throw error;
      if (error.code === "RAW_BODY_UNAVAILABLE" || error.code === "BODY_NOT_RAW") rawBodyLost(error, req.request);
      const headers = error.code === "BODY_TIMEOUT" ? closeConnection : error.headers;
      return errorResponse(error, headers);
    }
    return execute(plan, req);
  }

  function match(path: string): WebhookRoute | undefined {
    for (const route of routes) if (matchesWebhookPath(route.path, path)) return route;
    return undefined;
  }

  return {
    provider,
    routes,
    match,
    handle: (req) =>
      handle(req).catch((error: unknown) => {
        engine.report(error, { provider: provider.name, request: req.request });
        return internalErrorResponse;
      }),
  };
}

const handlerFailed = (displayName: string) =>
  new SiglumeWebhookError(
    "HANDLER_FAILED",
    `A webhook handler threw, so the event was not acknowledged; ${displayName} will redeliver it. Details are in ` +
      "this server's logs (onError).",
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
