/** The signed envelope of every Siglume webhook. `id` is the idempotency key. */
export interface SiglumeEvent<TType extends string = string, TData extends object = Record<string, unknown>> {
  /** The event id: the idempotency key (the same on every redelivery). */
  id: string;
  /** The event type, e.g. `direct_payment.confirmed`. */
  type: TType;
  /** The API version the event follows. */
  api_version: string;
  /** When the event happened (ISO 8601). */
  occurred_at: string;
  /** The event's fields (a JSON object). */
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
  /** `external_402` for one payment, `metered_settlement_batch` for an aggregated Micro/Nano settlement. */
  mode?: "external_402" | "metered_settlement_batch" | (string & {});
  /** The merchant key the payment was made to. */
  merchant?: string;
  /** Siglume's id of the payment. */
  requirement_id?: string;
  /** Older payloads' name for `requirement_id`. */
  direct_payment_requirement_id?: string;
  /** The checkout session's challenge hash: names the order. */
  challenge_hash?: string;
  /** The amount in minor units (a number, or a decimal string). */
  amount_minor?: number | string;
  /** `JPY` or `USD`. */
  currency?: "JPY" | "USD" | (string & {});
  /** The token the payment was made in. */
  token_symbol?: string;
  /** The payment's status as Siglume reports it. */
  status?: string;
  /** Siglume's hash of the payment request. */
  request_hash_v2?: string;
  /** The payment's band: `standard`, `micro` or `nano`. */
  pricing_band?: PricingBand | (string & {});
  /** `per_payment` (Standard), `weekly` (Micro) or `monthly` (Nano). */
  settlement_cadence?: SettlementCadence | (string & {});
  /** `per_payment_onchain` (Standard) or `aggregated_onchain_settlement` (Micro/Nano). */
  finality?: "per_payment_onchain" | "aggregated_onchain_settlement" | (string & {});
  /** `settled`, or `pending_settlement` for accepted metered usage. */
  settlement_status?: "settled" | "pending_settlement" | (string & {});
  /** The settled batch's id (`metered_settlement_batch`). */
  settlement_batch_id?: string;
  /** The on-chain receipt of the settlement. */
  chain_receipt_id?: string;
  /** The digest of the usage events a batch settles. */
  usage_event_digest?: string;
  /** When a batch settled (ISO 8601). */
  settled_at?: string;
  /** Micro/Nano: the protocol fee, minor units as a decimal string. */
  protocol_fee_minor?: string;
  /** Micro/Nano: the provider's gross amount, minor units as a decimal string. */
  provider_gross_amount_minor?: string;
  /** Micro/Nano: what the provider will receive, minor units as a decimal string. */
  provider_receivable_minor?: string;
  /** Micro/Nano: what the buyer is debited, minor units as a decimal string. */
  buyer_debit_minor?: string;
  /** Micro/Nano: the unsettled amount at which a settlement is made, minor units as a decimal string. */
  settlement_threshold_minor?: string;
  /** Micro/Nano: the total not yet settled, minor units as a decimal string. */
  total_unsettled_exposure_minor?: string;
  /** True on Siglume's readiness test event: acknowledged, never fulfilled. */
  readiness_probe?: boolean;
  [field: string]: unknown;
}

/** `direct_payment.spent` data; Siglume does not pin its fields down, so all are optional. */
export interface DirectPaymentSpentData {
  /** Siglume's id of the payment. */
  requirement_id?: string;
  /** The checkout session's challenge hash. */
  challenge_hash?: string;
  /** The amount in minor units (a number, or a decimal string). */
  amount_minor?: number | string;
  /** The currency. */
  currency?: string;
  [field: string]: unknown;
}

/** A verified `direct_payment.confirmed` event. */
export type DirectPaymentConfirmedEvent = SiglumeEvent<typeof DIRECT_PAYMENT_CONFIRMED, DirectPaymentConfirmedData>;
/** A verified `direct_payment.spent` event. */
export type DirectPaymentSpentEvent = SiglumeEvent<typeof DIRECT_PAYMENT_SPENT, DirectPaymentSpentData>;

/** Event type names mapped to their typed events. */
export interface SiglumeEventMap {
  /** A confirmed direct payment. */
  [DIRECT_PAYMENT_CONFIRMED]: DirectPaymentConfirmedEvent;
  /** A spent direct payment. */
  [DIRECT_PAYMENT_SPENT]: DirectPaymentSpentEvent;
}
