import { toRawBytes } from "../body/raw.js";
import { assertWithinLimit } from "../body/limits.js";
import { SiglumeWebhookError, isSiglumeWebhookError } from "../errors.js";
import { matchesWebhookPath, pathWithoutQuery } from "../http/path.js";
import { errorResponse, isJsonContentType } from "../http/response.js";
import type { WebhookResponse } from "../http/response.js";
import { decisionRunner } from "./decision.js";
import type { CompletionInfo, IdempotencyStore } from "../idempotency/store.js";
import type { DeliveryTrace } from "../telemetry/telemetry.js";
import { claimAndRun, type ClaimedRun, type ExactlyOnceOptions, type RunOutcome } from "./exactly-once.js";
import { andThen, isPromiseLike, type MaybePromise } from "./maybe.js";
import type { ResolvedEngineOptions } from "./options.js";
import type { OncePlan, Plan, ReceivedRequest, WebhookProvider, WebhookRoute } from "./provider.js";
import { monotonicNow } from "../platform/timers.js";

/** The three things an adapter supplies: the method, a header reader, and a way to get the raw body. */
export interface WebhookRequest<TRequest> {
  /** The HTTP method, upper-case; anything but POST is answered `405 METHOD_NOT_ALLOWED`. */
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

/**
 * A provider run by the engine: what every adapter calls. `match` finds the route for a path, `handle` reads,
 * verifies, records and dispatches one request and resolves with the answer to write (it never rejects).
 */
export interface WebhookHandler<TRequest> {
  /** The provider the engine runs. */
  readonly provider: WebhookProvider<TRequest>;
  /** Every route the provider answers at (path and name). */
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
 * Each step runs synchronously when its input is already there (a body read,
 * Node's crypto, the in-memory store); a Promise is made only where something
 * is really awaited.
 */
export function createWebhookHandler<TRequest>(provider: WebhookProvider<TRequest>): WebhookHandler<TRequest> {
  const { engine, routes } = provider;
  const { bodyLimit, bodyTimeoutMs } = engine;
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

  /** A refused request: its own answer. Anything that is not a refusal is rethrown (an internal error). */
  function refusal(error: unknown, request: TRequest, trace: DeliveryTrace | undefined): WebhookResponse {
    if (!isSiglumeWebhookError(error)) throw error;
    trace?.note("rejected", error.code);
    if (error.code === "RAW_BODY_UNAVAILABLE" || error.code === "BODY_NOT_RAW") rawBodyLost(error, request);
    return errorResponse(error, error.code === "BODY_TIMEOUT" ? closeConnection : error.headers);
  }

  function respond(plan: OncePlan, outcome: RunOutcome<unknown>, req: WebhookRequest<TRequest>, trace: DeliveryTrace | undefined): MaybePromise<WebhookResponse> {
    switch (outcome.kind) {
      case "completed":
        trace?.note("handled");
        return plan.acknowledge;
      case "duplicate":
        // The same key with another signed body is not a duplicate: the provider decides (a review, once).
        if (outcome.digest !== null && outcome.digest !== plan.digest && plan.reused) return execute(plan.reused(), req, trace);
        trace?.note("duplicate");
        return plan.acknowledge;
      case "in_flight":
        trace?.note("in_flight", "EVENT_IN_FLIGHT");
        return inFlightResponse;
      case "failed":
        trace?.note("failed", "HANDLER_FAILED");
        return handlerFailedResponse;
      case "timeout":
        trace?.note("timeout", "HANDLER_TIMEOUT");
        return handlerTimeoutResponse;
      case "store_failed":
        trace?.note("failed", outcome.error.code);
        return storeFailedResponse(outcome.error);
    }
  }

  function runOnce(plan: OncePlan, req: WebhookRequest<TRequest>, trace: DeliveryTrace | undefined): MaybePromise<WebhookResponse> {
    trace?.plan(plan.type, plan.outcome);
    const delivery = new OnceDelivery(plan, engine, provider.name, req.request, req.waitUntil, trace);
    const outcome = claimAndRun(delivery, delivery);
    return isPromiseLike(outcome) ? Promise.resolve(outcome).then((o) => respond(plan, o, req, trace)) : respond(plan, outcome, req, trace);
  }

  function execute(plan: Plan, req: WebhookRequest<TRequest>, trace: DeliveryTrace | undefined): MaybePromise<WebhookResponse> {
    switch (plan.kind) {
      case "answer":
        if (plan.refusal !== undefined) trace?.note("rejected", plan.refusal);
        return plan.response;
      case "once":
        return runOnce(plan, req, trace);
      case "decision":
        trace?.plan(plan.type, "");
        return andThen(decisions.run(plan, reporterFor(req.request, plan.info), req.waitUntil, trace), (answer) =>
          "kind" in answer ? execute(answer, req, trace) : answer,
        );
      case "unrecorded": {
        const failed = (error: unknown) => {
          reporterFor(req.request, plan.info)(error);
          trace?.note("failed", "HANDLER_FAILED");
          return handlerFailedResponse;
        };
        try {
          const value = trace === undefined ? plan.run() : trace.within(plan.run);
          return isPromiseLike(value) ? Promise.resolve(value).then(() => plan.acknowledge, failed) : plan.acknowledge;
        } catch (error) {
          return failed(error);
        }
      }
    }
  }

  /** The verified request's plan, run. */
  function afterBody(
    received: ReceivedRequest<TRequest>,
    raw: unknown,
    req: WebhookRequest<TRequest>,
    trace: DeliveryTrace | undefined,
  ): MaybePromise<WebhookResponse> {
    let plan: MaybePromise<Plan>;
    try {
      const body = toRawBytes(raw, req.rawBodyHint);
      assertWithinLimit(body, bodyLimit);
      received.body = body;
      plan = provider.receive(received);
    } catch (error) {
      return refusal(error, req.request, trace);
    }
    if (isPromiseLike(plan)) {
      return Promise.resolve(plan).then(
        (ready) => execute(ready, req, trace),
        (error: unknown) => refusal(error, req.request, trace),
      );
    }
    return execute(plan, req, trace);
  }

  function receive(req: WebhookRequest<TRequest>, route: WebhookRoute, trace: DeliveryTrace | undefined): MaybePromise<WebhookResponse> {
    const receivedAt = monotonicNow();
    if (req.method !== "POST") {
      trace?.note("rejected", "METHOD_NOT_ALLOWED");
      return methodNotAllowed;
    }
    if (!isJsonContentType(req.header("content-type"))) {
      trace?.note("rejected", "UNSUPPORTED_MEDIA_TYPE");
      return unsupportedMediaType;
    }

    // One object from here on: the provider gets it before the body is read (preflight) and after (receive).
    const received: ReceivedRequest<TRequest> = {
      route,
      path: req.path === undefined ? undefined : pathWithoutQuery(req.path),
      header: req.header,
      headers: req.headers,
      request: req.request,
      receivedAt,
      body: EMPTY,
    };
    let read: unknown;
    try {
      provider.preflight?.(received);
      read = req.readBody(bodyLimit, bodyTimeoutMs);
    } catch (error) {
      return refusal(error, req.request, trace);
    }
    if (isPromiseLike(read)) {
      return Promise.resolve(read).then(
        (raw) => afterBody(received, raw, req, trace),
        (error: unknown) => refusal(error, req.request, trace),
      );
    }
    return afterBody(received, read, req, trace);
  }

  function match(path: string): WebhookRoute | undefined {
    for (const route of routes) if (matchesWebhookPath(route.path, path)) return route;
    return undefined;
  }

  const internal = (req: WebhookRequest<TRequest>, trace: DeliveryTrace | undefined) => (error: unknown) => {
    engine.report(error, { provider: provider.name, request: req.request });
    trace?.note("failed", "INTERNAL_ERROR");
    return internalErrorResponse;
  };
  const { telemetry } = engine;

  /** With telemetry: the delivery's span ends with the answer, whatever it is. */
  function traced(trace: DeliveryTrace, answer: Promise<WebhookResponse>): Promise<WebhookResponse> {
    return answer.then((response) => {
      trace.end(response.status);
      return response;
    });
  }

  function handle(req: WebhookRequest<TRequest>): Promise<WebhookResponse> {
    // Off Node the OpenTelemetry API loads asynchronously: a delivery arriving meanwhile (at start-up only)
    // waits for it, so every delivery is traced once the app registered its providers.
    const loading = telemetry?.pending();
    if (loading !== undefined) return loading.then(() => handle(req));
    const route = req.route ?? defaultRoute!;
    const trace = telemetry?.begin(route.path);
    let answer: MaybePromise<WebhookResponse>;
    try {
      answer = receive(req, route, trace);
    } catch (error) {
      answer = internal(req, trace)(error);
    }
    const settled = isPromiseLike(answer) ? Promise.resolve(answer).then(undefined, internal(req, trace)) : Promise.resolve(answer);
    return trace === undefined ? settled : traced(trace, settled);
  }

  return { provider, routes, match, handle };
}

const EMPTY = new Uint8Array(0);

/**
 * One delivery of a `once` plan, as the exactly-once runner takes it: the plan's key and handler, the
 * completion to record, the engine's limits, and where failures go (onError with the plan's info). One object
 * per delivery instead of a run, an options object and their closures.
 */
class OnceDelivery<TRequest> implements ClaimedRun<unknown>, ExactlyOnceOptions {
  readonly key: string;
  readonly type: string;
  readonly digest: string;
  readonly store: IdempotencyStore;
  readonly handlerTimeoutMs: number;
  readonly maxHandlerMs: number;
  readonly waitUntil: ((promise: Promise<unknown>) => void) | undefined;

  constructor(
    private readonly plan: OncePlan,
    private readonly engine: ResolvedEngineOptions<TRequest>,
    private readonly provider: string,
    private readonly request: TRequest,
    waitUntil: ((promise: Promise<unknown>) => void) | undefined,
    private readonly trace: DeliveryTrace | undefined,
  ) {
    this.key = plan.key;
    this.type = plan.type;
    this.digest = plan.digest;
    this.store = engine.store;
    this.handlerTimeoutMs = engine.handlerTimeoutMs;
    this.maxHandlerMs = engine.maxHandlerMs;
    this.waitUntil = waitUntil;
  }

  run(transaction: unknown): unknown {
    const { trace } = this;
    if (trace === undefined) return this.plan.run(transaction);
    trace.handlerStarted();
    return trace.within(() => this.plan.run(transaction));
  }

  claimed(status: string): void {
    this.trace?.claimed(status);
  }

  settled(): void {
    this.trace?.handlerSettled();
  }

  completion(): CompletionInfo {
    return completionFor(this.plan.outcome);
  }

  report(error: unknown): void {
    const report = () => this.engine.report(error, { provider: this.provider, request: this.request, ...this.plan.info });
    // Within the delivery's span: the logger's line carries its trace and span ids.
    if (this.trace === undefined) report();
    else this.trace.within(report);
  }
}

// Completion records are the same few per provider ("standard_settled", "review:…"): made once each.
const completions = new Map<string, CompletionInfo>();
function completionFor(outcome: string): CompletionInfo {
  let info = completions.get(outcome);
  if (info === undefined) {
    info = Object.freeze({ outcome });
    if (completions.size < 1024) completions.set(outcome, info); // outcomes may carry payload labels: bounded
  }
  return info;
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
