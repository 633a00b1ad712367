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

/** Why an event was sent to review instead of fulfilment. */
export type ReviewReason = UnknownConfirmationReason | "metered_integration_required";

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
  onDirectPaymentSpent?: ((event: DirectPaymentSpentEvent, ctx: SiglumeContext<TRequest>) => MaybePromise<unknown>) | undefined;
  /** Any other event type (and spent, when onDirectPaymentSpent is absent). Without it they go to onReview. */
  onEvent?: ((event: SiglumeEvent, ctx: SiglumeContext<TRequest>) => MaybePromise<unknown>) | undefined;
  /** Siglume's readiness probe: acknowledged and never given to a payment handler. */
  onReadinessProbe?: ((event: SiglumeEvent, ctx: SiglumeContext<TRequest>) => MaybePromise<unknown>) | undefined;
  /** A handler threw or the store failed; the delivery is answered 5xx so Siglume retries. Defaults to console.error. */
  onError?: ((error: unknown, info: { event?: SiglumeEvent; request: TRequest }) => void) | undefined;
}

/**
 * Every optional option also takes `undefined` (same as leaving it out), so
 * `webhookSecret: process.env.SIGLUME_WEBHOOK_SECRET` type-checks under exactOptionalPropertyTypes.
 */
export interface SiglumeOptions<TAllowMetered extends boolean = false, TRequest = unknown>
  extends SiglumeHandlers<TAllowMetered, TRequest> {
  /** Signing secret(s); falls back to SIGLUME_WEBHOOK_SECRET. Several are accepted during rotation. */
  webhookSecret?: string | string[] | undefined;
  /** Let Micro/Nano confirmations reach onDirectPaymentConfirmed. Default false: they go to onReview. */
  allowMeteredPayments?: TAllowMetered | undefined;
  /** Default 300 seconds, both directions. */
  toleranceSeconds?: number | undefined;
  /** Default: an in-memory store (one process only). */
  idempotencyStore?: IdempotencyStore | undefined;
  /** Largest accepted body in bytes, enforced while streaming. Default 1 MiB. */
  bodyLimit?: number | undefined;
  /** Webhook route. Default "/webhooks/siglume". */
  path?: string | undefined;
  /** Retry-After (seconds) on 409 in-flight and 503 store-unavailable answers. Default 5. */
  retryAfterSeconds?: number | undefined;
}

