import type {
  DirectPaymentConfirmation,
  MeteredBatchSettled,
  MeteredUsageAccepted,
  StandardSettled,
  UnknownConfirmationReason,
} from "../classify/classify.js";
import type { DirectPaymentSpentEvent, SiglumeEvent } from "../event/types.js";
import type { IdempotencyStore } from "../idempotency/store.js";

/** What every handler receives beside its payload. */
export interface SiglumeContext<TRequest = unknown> {
  /** The verified event. */
  event: SiglumeEvent;
  /** The signature's `t` (unix seconds). */
  signedAt: number;
  /** The framework's own request object (Express req, Fastify request, Koa ctx, NestJS req). */
  request: TRequest;
  /**
   * The idempotency store's open transaction, when it has one (the PostgreSQL
   * store's pg client): write the order update through it so both commit together.
   */
  transaction?: unknown;
}

/**
 * Why an event was sent to review instead of fulfilment. `event_id_reused`:
 * an id already completed arrived again with another signed body (sent to
 * review once per distinct body, never taken for a duplicate).
 */
export type ReviewReason = UnknownConfirmationReason | "metered_integration_required" | "event_id_reused";

export interface SiglumeReview {
  event: SiglumeEvent;
  reason: ReviewReason;
  /** The classifier's full result, for the review record. */
  confirmation: DirectPaymentConfirmation;
}

export type MeteredConfirmation = MeteredUsageAccepted | MeteredBatchSettled;

/** What the confirmed handler receives: Standard only, unless metered payments were opted in. */
export type FulfillableConfirmation<TAllowMetered extends boolean> = TAllowMetered extends true
  ? StandardSettled | MeteredConfirmation
  : StandardSettled;

type MaybePromise<T> = T | Promise<T>;

export interface SiglumeHandlers<TAllowMetered extends boolean = false, TRequest = unknown> {
  /** Fulfil here. Return only after the order update is durably written; throw to have Siglume redeliver. */
  onDirectPaymentConfirmed: (
    confirmation: FulfillableConfirmation<TAllowMetered>,
    ctx: SiglumeContext<TRequest>,
  ) => MaybePromise<unknown>;
  /** Record for manual review. Required: without it a doubtful event would be acknowledged unrecorded. */
  onReview: (review: SiglumeReview, ctx: SiglumeContext<TRequest>) => MaybePromise<unknown>;
  /** `direct_payment.spent`. Without it, spent events go to onEvent, else onReview. */
  onDirectPaymentSpent?: (event: DirectPaymentSpentEvent, ctx: SiglumeContext<TRequest>) => MaybePromise<unknown>;
  /** Any other event type (and spent, when onDirectPaymentSpent is absent). Without it they go to onReview. */
  onEvent?: (event: SiglumeEvent, ctx: SiglumeContext<TRequest>) => MaybePromise<unknown>;
  /** Siglume's readiness probe: acknowledged and never given to a payment handler. */
  onReadinessProbe?: (event: SiglumeEvent, ctx: SiglumeContext<TRequest>) => MaybePromise<unknown>;
  /** A handler threw or the store failed; the delivery is answered 5xx so Siglume retries. Defaults to console.error. */
  onError?: (error: unknown, info: { event?: SiglumeEvent; request: TRequest }) => void;
}

export interface SiglumeOptions<TAllowMetered extends boolean = false, TRequest = unknown>
  extends SiglumeHandlers<TAllowMetered, TRequest> {
  /** Signing secret(s); falls back to SIGLUME_WEBHOOK_SECRET. Several are accepted during rotation. */
  webhookSecret?: string | string[];
  /** Let Micro/Nano confirmations reach onDirectPaymentConfirmed. Default false: they go to onReview. */
  allowMeteredPayments?: TAllowMetered;
  /** Default 300 seconds, both directions. */
  toleranceSeconds?: number;
  /** Default: an in-memory store (one process only). */
  idempotencyStore?: IdempotencyStore;
  /** Largest accepted body in bytes, enforced while streaming. Default 1 MiB. */
  bodyLimit?: number;
  /** Webhook route. Default "/webhooks/siglume". */
  path?: string;
  /** Retry-After (seconds) on 409 in-flight and 503 answers. Default 5. */
  retryAfterSeconds?: number;
  /** How long reading the body may take before the request is answered 408 BODY_TIMEOUT and closed. Default 10 s. */
  bodyTimeoutMs?: number;
  /**
   * How long a delivery waits for its handler before answering 503 HANDLER_TIMEOUT. The handler keeps its
   * claim until it settles (the PostgreSQL transactional store instead ends its transaction). Default 25 s.
   */
  handlerTimeoutMs?: number;
  /** How long a claim is kept renewed for a handler that never settles; past it the claim lapses. Default 10 min. */
  maxHandlerMs?: number;
}

