/** The signed envelope of every Siglume webhook. `id` is the idempotency key. */
export interface SiglumeEvent<TType extends string = string, TData extends object = Record<string, unknown>> {
  id: string;
  type: TType;
  api_version: string;
  occurred_at: string;
  data: TData;
}

/** The event type of a confirmed direct payment: the one to fulfil on. */
export const DIRECT_PAYMENT_CONFIRMED = "direct_payment.confirmed";
/** The event type Siglume sends when a direct payment's funds are spent; informational, for `onEvent`. */
export const DIRECT_PAYMENT_SPENT = "direct_payment.spent";

/** Siglume's pricing band of a payment: `standard` settles per payment; `micro` and `nano` are metered. */
export type PricingBand = "standard" | "micro" | "nano";
/** How often Siglume settles a band: per payment (Standard) or in weekly or monthly batches (metered). */
export type SettlementCadence = "per_payment" | "weekly" | "monthly";

/**
 * `direct_payment.confirmed` data as Siglume documents it. Every field is
 * optional at the type level because the classifier, not the type, decides
 * what a payload proves; unknown extra fields are allowed.
 */
export interface DirectPaymentConfirmedData {
  mode?: "external_402" | "metered_settlement_batch" | (string & {});
  merchant?: string;
  requirement_id?: string;
  /** Older payloads' name for `requirement_id`. */
  direct_payment_requirement_id?: string;
  challenge_hash?: string;
  amount_minor?: number | string;
  currency?: "JPY" | "USD" | (string & {});
  token_symbol?: string;
  status?: string;
  request_hash_v2?: string;
  pricing_band?: PricingBand | (string & {});
  settlement_cadence?: SettlementCadence | (string & {});
  finality?: "per_payment_onchain" | "aggregated_onchain_settlement" | (string & {});
  settlement_status?: "settled" | "pending_settlement" | (string & {});
  settlement_batch_id?: string;
  chain_receipt_id?: string;
  usage_event_digest?: string;
  settled_at?: string;
  protocol_fee_minor?: string;
  provider_gross_amount_minor?: string;
  provider_receivable_minor?: string;
  buyer_debit_minor?: string;
  settlement_threshold_minor?: string;
  total_unsettled_exposure_minor?: string;
  readiness_probe?: boolean;
  [field: string]: unknown;
}

/** `direct_payment.spent` data; Siglume does not pin its fields down, so all are optional. */
export interface DirectPaymentSpentData {
  requirement_id?: string;
  challenge_hash?: string;
  amount_minor?: number | string;
  currency?: string;
  [field: string]: unknown;
}

/** A verified `direct_payment.confirmed` event. */
export type DirectPaymentConfirmedEvent = SiglumeEvent<typeof DIRECT_PAYMENT_CONFIRMED, DirectPaymentConfirmedData>;
/** A verified `direct_payment.spent` event. */
export type DirectPaymentSpentEvent = SiglumeEvent<typeof DIRECT_PAYMENT_SPENT, DirectPaymentSpentData>;

/** Event type names mapped to their typed events. */
export interface SiglumeEventMap {
  [DIRECT_PAYMENT_CONFIRMED]: DirectPaymentConfirmedEvent;
  [DIRECT_PAYMENT_SPENT]: DirectPaymentSpentEvent;
}
