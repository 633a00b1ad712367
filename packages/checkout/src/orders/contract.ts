/**
 * The order-store contract: what the merchant's database must do for checkout (start side) and
 * for fulfilment (webhook side). `memoryOrderStore()` implements it for demos and tests,
 * `postgresOrderStore()` in @siglume-middleware/store-postgres for production; any database can.
 */

/** The order as the start route needs it. Amount and currency come from the server, never the browser. */
export interface CheckoutOrder {
  /** Your order id, as the shopper's start request names it (`order_id`). */
  id: string;
  /** Positive whole minor units (JPY yen, USD cents). */
  amount_minor: number;
  /** ISO 4217 code; the checkout prices in `"JPY"` and `"USD"`. */
  currency: string;
  /** "paid" (Standard, settled) or "fulfilled_unsettled" (Micro/Nano usage accepted) answer 409 ORDER_ALREADY_PAID. */
  status: string;
}

/** Order statuses after which no new checkout may start. */
export const PAID_ORDER_STATUSES: ReadonlySet<string> = new Set(["paid", "fulfilled_unsettled"]);

/** The session Siglume created for an attempt, as the store keeps it. */
export interface StoredCheckoutSession {
  /** Siglume's id of the hosted checkout session. */
  session_id: string;
  /** Where the shopper pays: the start route answers it, and answers it again while the session is live. */
  checkout_url: string;
  /**
   * The session's challenge hash: the `direct_payment.confirmed` event carries it, so the webhook finds the attempt
   * (and the order) by it.
   */
  challenge_hash: string;
  /** When the session expires (ISO 8601), if Siglume said. */
  expires_at: string | null;
}

/** One try at paying an order. Its nonce never changes, so a retried create cannot start a second payment. */
export interface CheckoutAttempt {
  /** The attempt's id (e.g. from `newAttemptId()`), sent as session metadata. */
  attemptId: string;
  /** The order the attempt pays. */
  orderId: string;
  /**
   * The idempotency nonce of the attempt's session creation: fixed for the attempt, so a retried create returns the
   * same session.
   */
  nonce: string;
  /**
   * On a `create` result: the creation claim this start holds, new on every claim (a takeover gets another).
   * `markPending` and `markFailed` of a "creating" attempt apply only while its claim is still this one, so a
   * start that paused past its lease and was taken over changes nothing. Stores should set it; the start
   * route hands it back unchanged.
   */
  claim?: string;
}

/** What the start route asks for when it begins (or resumes) an attempt. */
export interface BeginAttemptInput {
  /** The order as `authorize` (or `findOrder`) returned it. */
  order: CheckoutOrder;
  /** The merchant key the session will be created for (kept with the attempt for the webhook check). */
  merchant: string;
  /** How long a "creating" claim holds before another start may take the attempt over. */
  creationLeaseMs: number;
}

/** What an attempt charges: fixed when the attempt begins, from the order as the store holds it then. */
export interface AttemptAmount {
  /** Positive whole minor units the session is created for. */
  amount_minor: number;
  /** The currency the session is created in. */
  currency: string;
}

/**
 * An attempt is for one amount and currency. When the order's amount or currency no longer matches its
 * active attempt's (the shopper changed the cart), `beginAttempt` ends that attempt (status "failed", code
 * ORDER_CHANGED) and begins a new one with a new nonce, instead of answering its session (at the old
 * amount) or taking it over (its nonce may already name a session at the old amount).
 *
 * - `create`: the caller now holds the creation claim (a new attempt, or one stuck in "creating" past its
 *   lease, taken over with the same nonce and amount) and must create the session for exactly
 *   `amount_minor`/`currency`, then call markPending or markFailed.
 * - `creating`: another start holds an unexpired claim; the browser retries shortly (202).
 * - `pending`: the attempt has a live session for the order's current amount; answer it again.
 * - `paid`: the order was paid meanwhile.
 */
export type BeginAttemptResult =
  | ({ state: "create" } & CheckoutAttempt & AttemptAmount)
  | ({ state: "creating" } & CheckoutAttempt)
  | ({ state: "pending"; session: StoredCheckoutSession } & CheckoutAttempt)
  | { state: "paid" };

/** Why session creation did not complete. */
export interface CheckoutAttemptFailure {
  /** Siglume's error code, or ours (SESSION_CANCELLED, SESSION_EXPIRED, …). Never a message with user data. */
  code: string;
  /**
   * True when the session may exist anyway (timeout, Siglume unreachable or failing): keep the attempt and its
   * nonce, and release the claim so the next start creates again with the same nonce. False: the attempt is
   * over; the next start begins a new attempt with a new nonce.
   */
  retryable: boolean;
}

/** The start side: the start route calls these. */
export interface SiglumeCheckoutOrders<TRequest = unknown> {
  /**
   * The shopper's own order, or null when it does not exist or is not theirs (one answer for both: 404).
   * Required unless the start route is given `allowUnverifiedOrderLookup: true`.
   */
  authorize?(orderId: string, request: TRequest): Promise<CheckoutOrder | null> | CheckoutOrder | null;
  /** The order by id with no ownership check; used only with `allowUnverifiedOrderLookup: true`. */
  findOrder?(orderId: string): Promise<CheckoutOrder | null> | CheckoutOrder | null;
  /** Atomically: at most one active attempt ("creating" or "pending") per order. */
  beginAttempt(input: BeginAttemptInput): Promise<BeginAttemptResult>;
  /**
   * The session exists: store it with the attempt (challenge_hash finds the order when the webhook arrives),
   * only while the attempt is still "creating" under `attempt.claim`. True when stored; false when the attempt
   * was ended, taken over or its session stored by another start meanwhile: the start route then hands this
   * session out to nobody.
   */
  markPending(attempt: CheckoutAttempt, session: StoredCheckoutSession): Promise<boolean>;
  /**
   * With `attempt.claim` (the start's own create failed): applies only while the attempt is "creating" under
   * that claim. Without it (a stored session Siglume reports over): applies only while the attempt is "pending".
   * Anything else is a late writer, and nothing changes.
   */
  markFailed(attempt: CheckoutAttempt, failure: CheckoutAttemptFailure): Promise<void>;
}

/** An attempt found by its challenge_hash, with what the session was created for. */
export interface PaymentTarget {
  /** The order the attempt pays. */
  order: CheckoutOrder;
  /** The attempt whose session the payment was made on. */
  attemptId: string;
  /** The attempt's own state: "pending", "paid", "fulfilled_unsettled", "failed", "expired", … */
  attemptStatus: string;
  /** The merchant key the session was created for; a payment to another merchant is a mismatch. */
  merchant: string;
  /** The amount the session was created for; a payment of another amount is a mismatch. */
  amount_minor: number;
  /** The currency the session was created in; a payment in another currency is a mismatch. */
  currency: string;
  /**
   * The requirement_id of the payment that paid this attempt, when it is paid: a repeat of that payment is
   * `already_paid`, another payment on the same session is a second charge. Omitted by stores that cannot say
   * (then `markPaid` decides).
   */
  paidRequirementId?: string | null;
}

/** What is written when an order is paid. */
export interface PaymentRecord {
  /** "paid" for Standard (settled); "fulfilled_unsettled" for accepted Micro/Nano usage. */
  status: "paid" | "fulfilled_unsettled";
  /** Siglume's id of the payment (the event's `requirement_id`): what tells a repeat from a second payment. */
  requirement_id: string;
  /** The on-chain receipt of the settlement, when the event carried one (Standard); null for metered usage. */
  chain_receipt_id: string | null;
  /** The id of the webhook event that paid it, for your records. */
  event_id: string;
}

/** What the webhook handler gets in ctx: a store may run its queries in `ctx.transaction`. */
export interface PaymentContext {
  /**
   * The idempotency store's transaction (store-postgres in transactional mode): write the payment in it so it commits
   * with the event's completion.
   */
  transaction?: unknown;
}

/**
 * What `markPaid` did, decided atomically with the write:
 * - `paid`: this payment marked the attempt and its order paid.
 * - `already_paid`: this same payment (same requirement_id) paid the attempt before: a repeat, nothing to do.
 * - `duplicate_payment`: the attempt was paid by another payment (another requirement_id): a second charge.
 * - `order_already_paid`: the order was paid through another attempt: a second payment.
 * - `amount_changed`: the order's amount or currency, read under the lock, is no longer the target's
 *   (it changed after the target was read, as it can when no transaction holds the order meanwhile).
 * Nothing is written for the last four.
 */
export type MarkPaidOutcome = "paid" | "already_paid" | "duplicate_payment" | "order_already_paid" | "amount_changed";

/**
 * The webhook side: `fulfilSiglumePayment()` calls these. Lock order: a store that locks rows locks the
 * order's row before its attempts' rows, everywhere (the start side too), so a payment and a start for one
 * order queue instead of deadlocking.
 */
export interface SiglumePaymentOrders {
  /** The attempt whose session had this challenge_hash, or null. Lock its order, then it, for the transaction when there is one. */
  findOrderByChallengeHash(challengeHash: string, ctx?: PaymentContext): Promise<PaymentTarget | null>;
  /**
   * Marks the attempt and its order paid, once per order, as one check-and-set: two payments of one order
   * arriving together (two sessions, or two charges on one session) pay it once; the other gets its outcome.
   */
  markPaid(target: PaymentTarget, payment: PaymentRecord, ctx?: PaymentContext): Promise<MarkPaidOutcome>;
}

/** A store that does both sides. */
export type SiglumeOrderStore<TRequest = unknown> = SiglumeCheckoutOrders<TRequest> & SiglumePaymentOrders;
