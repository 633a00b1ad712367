import type { WebhookResponse } from "../http/response.js";
import type { ResolvedEngineOptions } from "./options.js";

/** Reads a request header by lower-case name. */
export type HeaderReader = (name: string) => string | string[] | undefined;

/** One endpoint of a provider. */
export interface WebhookRoute {
  /** The path adapters mount, e.g. "/webhooks/adyen/authentication". */
  readonly path: string;
  /** The route's name, used in idempotency keys and logs (e.g. "otp", "confirmed"). */
  readonly name: string;
}

/** A request as the engine hands it to a provider, before its body is read. */
export interface InboundRequest<TRequest = unknown> {
  /** The route of the provider the request arrived at. */
  route: WebhookRoute;
  /** The request's path as it arrived (mount prefixes included, no query), when the adapter knows it. */
  path?: string | undefined;
  /** Reads a request header by lower-case name. */
  header: HeaderReader;
  /** Every header, names in lower case, when the adapter can list them (for verifiers that need the whole set). */
  headers?: (() => Readonly<Record<string, string | string[] | undefined>>) | undefined;
  /** The framework's own request object (Express req, Fastify request, Koa ctx, NestJS req, a fetch Request). */
  request: TRequest;
  /** performance.now() when the engine saw the request: deadlines are timed from it. */
  receivedAt: number;
}

/** The same request with the exact bytes received. */
export interface ReceivedRequest<TRequest = unknown> extends InboundRequest<TRequest> {
  /** The exact bytes received (a Buffer on Node's adapters, a Uint8Array on the fetch handler), or text. */
  body: Uint8Array | string;
}

/**
 * Run a handler exactly once per `key` under a claim, then acknowledge; a
 * duplicate of a completed key gets the same acknowledgement without a run.
 */
export interface OncePlan {
  /** Run the handler once per key, then acknowledge. */
  kind: "once";
  /** Idempotency key, namespaced by provider and route (e.g. "adyen:authentication.created:<id>"). */
  key: string;
  /** Event type, for the store's record. */
  type: string;
  /** bodyDigest() of the signed body (keyed where a body can hold a short secret). */
  digest: string;
  /** What the record says happened, e.g. "standard_settled" or "review:metered_integration_required". */
  outcome: string;
  /** Calls the user's handler; `transaction` is the claim's (ctx.transaction). */
  run(transaction: unknown): unknown;
  /** The 2xx answer, after the run completed and for duplicates of it. */
  acknowledge: WebhookResponse;
  /** What to run instead when the key was completed with another body (review it once). */
  reused?(): Plan;
  /** Passed to onError with any failure of this delivery (redacted where the event holds secrets). */
  info: Record<string, unknown>;
}

/**
 * A decision the sender waits for, due by `deadlineAt`: the handler's result
 * becomes the answer's body; a throw, an overrun or a store failure answers
 * `fallback` (and is reported). The body actually sent is recorded, and a
 * repeat of the key gets it again; copies arriving while it is being decided
 * wait for it (in this process, and through a shared store across processes).
 */
export interface DecisionPlan<T = unknown> {
  /** Decide within a deadline; the handler's result is the answer. */
  kind: "decision";
  /** Idempotency key, namespaced by provider and route: a repeat of it gets the decision recorded for it. */
  key: string;
  /** Event type, for the store's record. */
  type: string;
  /** bodyDigest() of the signed body. */
  digest: string;
  /** performance.now() by which the answer must be written. */
  deadlineAt: number;
  /**
   * Calls the user's decision handler; `transaction` is the claim's (ctx.transaction). Its result becomes the answer.
   */
  run(transaction: unknown): T | PromiseLike<T>;
  /** The answer body for the handler's result, or undefined when the result is not a valid decision. */
  body(value: T): string | undefined;
  /** The body sent when no valid decision came in time. */
  fallback: string;
  /** Status and headers of every decision answer (the body is the decision). */
  status: number;
  /** Headers of every decision answer. */
  headers: Record<string, string>;
  /** The outcome recorded for a decision body ("relayed:proceed"). */
  outcome(body: string, reason: "decided" | "fallback"): string;
  /** When the key was completed with another body. */
  reused(): Plan;
  /** Passed to onError with any failure of this delivery (redacted where the event holds secrets). */
  info: Record<string, unknown>;
}

/** Run a handler without recording it (a readiness probe), then acknowledge. */
export interface UnrecordedPlan {
  /** Run without a record (a readiness probe), then acknowledge. */
  kind: "unrecorded";
  /** Calls the user's handler (nothing is recorded). */
  run(): unknown;
  /** The 2xx answer after the run. */
  acknowledge: WebhookResponse;
  /** Passed to onError with any failure of this delivery. */
  info: Record<string, unknown>;
}

/** Answer at once (already decided by the provider: a refusal in a decision flow). */
export interface AnswerPlan {
  /** Answer at once; nothing runs. */
  kind: "answer";
  /** The answer to write. */
  response: WebhookResponse;
  /** The code, when this answer refuses the request (a refused decision): telemetry's `error.type`, outcome `rejected`. */
  refusal?: string | undefined;
}

/**
 * What a provider decides for a verified request, for the engine to carry out: run once and acknowledge, decide
 * within a deadline, run unrecorded, or answer at once.
 */
export type Plan = OncePlan | DecisionPlan<any> | UnrecordedPlan | AnswerPlan; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A webhook sender, described for the engine: framework-free, built once at
 * start-up (options validated there), run by every adapter alike.
 */
export interface WebhookProvider<TRequest = unknown> {
  /** "siglume", "adyen", …: logs, keys and NestJS module names. */
  readonly name: string;
  /** Used in answers: "Siglume webhooks are delivered with POST." */
  readonly displayName: string;
  /** Every endpoint it answers at; adapters mount each path. */
  readonly routes: readonly WebhookRoute[];
  /**
   * The header (lower case) that marks this sender's requests: a router that sees a POST carrying it at
   * a path it does not answer warns once (a mounting mistake).
   */
  readonly signatureHeader?: string;
  /** The engine's options, resolved at start-up (store, limits, timeouts, logger, onError). */
  readonly engine: ResolvedEngineOptions<TRequest>;
  /** Checks that need no body (Basic auth): throw a SiglumeWebhookError to refuse before reading it. */
  preflight?(request: InboundRequest<TRequest>): void;
  /**
   * Authenticates the raw bytes and headers and decides what to do. Throws a
   * SiglumeWebhookError to refuse (nothing is dispatched).
   */
  receive(request: ReceivedRequest<TRequest>): Plan | Promise<Plan>;
}
