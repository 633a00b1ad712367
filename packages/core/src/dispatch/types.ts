import type { MaybePromise } from "../platform/contract.js";
import type {
  DirectPaymentConfirmation,
  MeteredBatchSettled,
  MeteredUsageAccepted,
  StandardSettled,
  UnknownConfirmationReason,
} from "../classify/classify.js";
import type { DirectPaymentSpentEvent, SiglumeEvent } from "../event/types.js";
import type { EngineOptions, WebhookErrorInfo } from "../engine/options.js";

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

/**
 * What `onReview` receives: a verified event that must not be fulfilled automatically, why (`reason`: an {@link
 * UnknownConfirmationReason}, `metered_integration_required` or `event_id_reused`), and the classifier's result.
 * Record it for a person to look at; the delivery is acknowledged once `onReview` returns.
 */
export interface SiglumeReview {
  /** The verified event, as sent. */
  event: SiglumeEvent;
  /** Why it is reviewed rather than fulfilled. */
  reason: ReviewReason;
  /** The classifier's full result, for the review record. */
  confirmation: DirectPaymentConfirmation;
}

/**
 * A metered (Micro/Nano band) confirmation: accepted usage or a settled batch. Reaches `onDirectPaymentConfirmed`
 * only with `allowMeteredPayments: true`.
 */
export type MeteredConfirmation = MeteredUsageAccepted | MeteredBatchSettled;

/** What the confirmed handler receives: Standard only, unless metered payments were opted in. */
export type FulfillableConfirmation<TAllowMetered extends boolean> = TAllowMetered extends true
  ? StandardSettled | MeteredConfirmation
  : StandardSettled;

/** A handler may answer at once or later. */
export type { MaybePromise };

/**
 * The handlers of the Siglume webhook: `onDirectPaymentConfirmed` fulfils, `onReview` records what must not be
 * fulfilled automatically (both required), the others are optional. Each runs at most once per event id, and a throw
 * makes Siglume redeliver.
 */
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
  /**
   * A handler threw, timed out, or the store failed; the delivery is answered 5xx so Siglume retries.
   * Default: the logger's error line. A throw from it changes nothing (it is logged once).
   */
  onError?: ((error: unknown, info: WebhookErrorInfo<TRequest> & { event?: SiglumeEvent }) => unknown) | undefined;
}

/**
 * Everything `siglumeRouter`, `siglumePlugin`, `siglumeMiddleware`, `SiglumeModule.forRoot` and `siglumeWebhooks`
 * accept: the handlers, the signing secret(s) and the engine's options (store, limits, timeouts, logger, `onError`).
 * Checked once at start-up; a setup that could acknowledge an event unrecorded throws a `SiglumeConfigurationError`
 * there.
 */
export interface SiglumeOptions<TAllowMetered extends boolean = false, TRequest = unknown>
  extends SiglumeHandlers<TAllowMetered, TRequest>,
    Omit<EngineOptions<TRequest>, "onError"> {
  /** Signing secret(s); falls back to SIGLUME_WEBHOOK_SECRET. Several are accepted during rotation. */
  webhookSecret?: string | string[] | undefined;
  /** Let Micro/Nano confirmations reach onDirectPaymentConfirmed. Default false: they go to onReview. */
  allowMeteredPayments?: TAllowMetered | undefined;
  /** Default 300 seconds, both directions. */
  toleranceSeconds?: number | undefined;
  /** Webhook route. Default "/webhooks/siglume". */
  path?: string | undefined;
}
