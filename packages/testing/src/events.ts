import { randomUUID } from "node:crypto";
import type { SiglumeEvent, UnknownConfirmationReason } from "@siglume-middleware/core";

/** Envelope fields to replace, and data fields to merge over the builder's defaults. */
export interface EventOverrides {
  /** The event id (default a fresh `evt_…`): reuse one to test a redelivery. */
  id?: string;
  /** The event type, e.g. to test an unknown one. */
  type?: string;
  /** The API version the event says it follows. */
  api_version?: string;
  /** When the event happened (ISO 8601). */
  occurred_at?: string;
  /** Fields merged over the builder's `data` (e.g. `{ amount_minor: 1000 }`). */
  data?: Record<string, unknown>;
}

function build(type: string, data: Record<string, unknown>, overrides: EventOverrides = {}): SiglumeEvent {
  const { data: dataOverrides, ...envelope } = overrides;
  return {
    id: `evt_${randomUUID().replaceAll("-", "")}`,
    type,
    api_version: "2026-06-11",
    occurred_at: new Date().toISOString(),
    ...envelope,
    data: { ...data, ...dataOverrides },
  };
}

const standardData = () => ({
  mode: "external_402",
  merchant: "mrc_demo",
  pricing_band: "standard",
  settlement_cadence: "per_payment",
  finality: "per_payment_onchain",
  settlement_status: "settled",
  requirement_id: `dpr_${randomUUID().slice(0, 8)}`,
  challenge_hash: `sha256:${randomUUID().replaceAll("-", "")}`,
  chain_receipt_id: `rc_${randomUUID().slice(0, 8)}`,
  request_hash_v2: `sha256:${randomUUID().replaceAll("-", "")}`,
  amount_minor: 1200,
  currency: "JPY",
  token_symbol: "JPYC",
  status: "confirmed",
});

const meteredUsageData = () => ({
  ...standardData(),
  pricing_band: "micro",
  settlement_cadence: "weekly",
  finality: "aggregated_onchain_settlement",
  settlement_status: "pending_settlement",
  chain_receipt_id: undefined,
  amount_minor: 300,
  protocol_fee_minor: "3",
  provider_gross_amount_minor: "300",
  provider_receivable_minor: "297",
  buyer_debit_minor: "300",
  settlement_threshold_minor: "5000",
  total_unsettled_exposure_minor: "1200",
});

const meteredBatchData = () => ({
  mode: "metered_settlement_batch",
  merchant: "mrc_demo",
  pricing_band: "micro",
  settlement_cadence: "weekly",
  finality: "aggregated_onchain_settlement",
  settlement_status: "settled",
  settlement_batch_id: `msb_${randomUUID().slice(0, 8)}`,
  chain_receipt_id: `rc_${randomUUID().slice(0, 8)}`,
  usage_event_digest: `sha256:${randomUUID().replaceAll("-", "")}`,
  settled_at: new Date().toISOString(),
});

/** The smallest change to a valid payload that the reference classifier gives each reason for. */
const unknownData: Record<UnknownConfirmationReason, () => Record<string, unknown>> = {
  not_direct_payment_confirmed: standardData,
  unsupported_confirmation_mode: () => ({ ...standardData(), mode: "external_403" }),
  invalid_metered_settlement_confirmation: () => ({ ...meteredBatchData(), settlement_status: "pending_settlement" }),
  missing_standard_settlement_fields: () => ({ ...standardData(), chain_receipt_id: "" }),
  missing_metered_usage_fields: () => ({ ...meteredUsageData(), challenge_hash: undefined }),
  unknown_confirmation_shape: () => ({ ...standardData(), pricing_band: "enterprise" }),
};

/** Builders for every classification, with fresh ids and hashes on each call. */
export const siglumeEvents = {
  /**
   * A `direct_payment.confirmed` event the classifier reads as a Standard settlement: what `onDirectPaymentConfirmed`
   * receives by default.
   */
  standardSettled: (overrides?: EventOverrides) => build("direct_payment.confirmed", standardData(), overrides),
  /**
   * A `direct_payment.confirmed` event for accepted metered (Micro/Nano) usage: reaches `onDirectPaymentConfirmed`
   * only with `allowMeteredPayments: true`, else `onReview`.
   */
  meteredUsageAccepted: (overrides?: EventOverrides) =>
    build("direct_payment.confirmed", meteredUsageData(), overrides),
  /**
   * A `direct_payment.confirmed` event for a settled metered batch: like `meteredUsageAccepted`, only with
   * `allowMeteredPayments: true`.
   */
  meteredBatchSettled: (overrides?: EventOverrides) =>
    build("direct_payment.confirmed", meteredBatchData(), overrides),
  /** A `direct_payment.spent` event (informational: `onEvent`). */
  spent: (overrides?: EventOverrides) =>
    build("direct_payment.spent", { requirement_id: `dpr_${randomUUID().slice(0, 8)}`, amount_minor: 1200, currency: "JPY" }, overrides),
  /**
   * A Standard confirmation marked `readiness_probe: true`, as Siglume's readiness check sends: acknowledged without
   * being recorded.
   */
  readinessProbe: (overrides?: EventOverrides) =>
    build("direct_payment.confirmed", { ...standardData(), readiness_probe: true }, overrides),
  /** An event the classifier answers `unknown` with exactly `reason` for. */
  unknown: (reason: UnknownConfirmationReason, overrides?: EventOverrides) =>
    build(
      reason === "not_direct_payment_confirmed" ? "direct_payment.pending" : "direct_payment.confirmed",
      unknownData[reason](),
      overrides,
    ),
};

/**
 * Every {@link UnknownConfirmationReason}, for a test that sends one event per reason
 * (`siglumeEvents.unknown(reason)`) and checks each reaches `onReview`.
 */
export const UNKNOWN_REASONS = Object.keys(unknownData) as UnknownConfirmationReason[];

/** Kebab-case names, as the CLI takes them: "standard-settled", "unknown-missing-standard-settlement-fields", … */
export const EVENT_KINDS: Record<string, () => SiglumeEvent> = {
  "standard-settled": () => siglumeEvents.standardSettled(),
  "metered-usage-accepted": () => siglumeEvents.meteredUsageAccepted(),
  "metered-batch-settled": () => siglumeEvents.meteredBatchSettled(),
  spent: () => siglumeEvents.spent(),
  "readiness-probe": () => siglumeEvents.readinessProbe(),
  ...Object.fromEntries(UNKNOWN_REASONS.map((reason) => [`unknown-${reason.replaceAll("_", "-")}`, () => siglumeEvents.unknown(reason)])),
};
