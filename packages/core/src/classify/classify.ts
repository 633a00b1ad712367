import type { DirectPaymentConfirmedData, SiglumeEvent } from "../event/types.js";
import { DIRECT_PAYMENT_CONFIRMED } from "../event/types.js";
import { isBlank } from "../event/text.js";

/**
 * Why a `direct_payment.confirmed` event could not be classified as a payment to fulfil: the `reason` of an `unknown`
 * confirmation and of the review it is sent to (`onReview`). See docs/errors.md, "Review reasons".
 */
export type UnknownConfirmationReason =
  | "not_direct_payment_confirmed"
  | "unsupported_confirmation_mode"
  | "invalid_metered_settlement_confirmation"
  | "missing_standard_settlement_fields"
  | "missing_metered_usage_fields"
  | "unknown_confirmation_shape";

interface ClassificationBase {
  event: SiglumeEvent;
  data: DirectPaymentConfirmedData;
}

/** Paid and settled on-chain: mark the order (found by `challenge_hash`) paid exactly once. */
export interface StandardSettled extends ClassificationBase {
  /** Narrow on this: a Standard payment, settled. */
  kind: "standard_settled";
  /**
   * Siglume's id of the payment (`requirement_id`, or the older `direct_payment_requirement_id`): record it with the
   * order.
   */
  requirement_id: string;
  /** The checkout session's challenge hash: find the order by it. */
  challenge_hash: string;
  /** The on-chain receipt of the settlement. */
  chain_receipt_id: string;
  /** Siglume's hash of the payment request, when sent; null otherwise. */
  request_hash_v2: string | null;
}

/** Micro/Nano usage accepted, revenue NOT settled yet. */
export interface MeteredUsageAccepted extends ClassificationBase {
  /** Narrow on this: metered usage accepted, not settled yet. */
  kind: "metered_usage_accepted";
  /** The metered band: `micro` (settled weekly) or `nano` (monthly). */
  pricing_band: "micro" | "nano";
  /** When the usage will be settled: `weekly` (Micro) or `monthly` (Nano). */
  settlement_cadence: "weekly" | "monthly";
  /** Siglume's id of the payment: record it with the order. */
  requirement_id: string;
  /** The checkout session's challenge hash: find the order by it. */
  challenge_hash: string;
  /** Siglume's hash of the payment request, when sent; null otherwise. */
  request_hash_v2: string | null;
}

/** An aggregated Micro/Nano batch settled; it names no single order. */
export interface MeteredBatchSettled extends ClassificationBase {
  /** Narrow on this: a metered batch settled (reconcile; no single order). */
  kind: "metered_batch_settled";
  /** The metered band of the batch: `micro` or `nano`. */
  pricing_band: "micro" | "nano";
  /** The batch's cadence: `weekly` (Micro) or `monthly` (Nano). */
  settlement_cadence: "weekly" | "monthly";
  /** Siglume's id of the settled batch: reconcile your unsettled usage against it. */
  settlement_batch_id: string;
  /** The on-chain receipt of the batch settlement. */
  chain_receipt_id: string;
  /** Siglume's digest of the usage events the batch settles. */
  usage_event_digest: string;
  /** When the batch settled (ISO 8601), when sent; null otherwise. */
  settled_at: string | null;
}

/** Never fulfil; record for manual review. Carries what is known for the review record. */
export interface UnknownConfirmation extends ClassificationBase {
  /** Narrow on this: not a payment to fulfil. */
  kind: "unknown";
  /** Why the event could not be classified. */
  reason: UnknownConfirmationReason;
  /** The payment's id when the event carried one, for the review record. */
  requirement_id: string | null;
  /** The event's `pricing_band` as sent (null when absent), for the review record. */
  pricing_band: string | null;
  /** The event's `settlement_cadence` as sent (null when absent). */
  settlement_cadence: string | null;
  /** The event's `settlement_status` as sent (null when absent). */
  settlement_status: string | null;
  /** The event's `finality` as sent (null when absent). */
  finality: string | null;
  /** The event's `settlement_batch_id` when known (null when absent). */
  settlement_batch_id: string | null;
}

/**
 * What the classifier makes of a `direct_payment.confirmed` event: a Standard settlement, a metered (Micro/Nano)
 * usage or batch settlement, or `unknown` with a reason. Narrow on `kind`.
 */
export type DirectPaymentConfirmation =
  | StandardSettled
  | MeteredUsageAccepted
  | MeteredBatchSettled
  | UnknownConfirmation;

/** The `kind` of a {@link DirectPaymentConfirmation}: `"standard_settled"`, the metered kinds, or `"unknown"`. */
export type ConfirmationKind = DirectPaymentConfirmation["kind"];

/** A field "is present" only as a string that is non-empty after trimming. */
function present(value: unknown): string | null {
  return typeof value === "string" && !isBlank(value) ? value : null;
}

const CADENCE_FOR_BAND: Record<string, string> = { micro: "weekly", nano: "monthly" };

function meteredBand(data: DirectPaymentConfirmedData): "micro" | "nano" | null {
  const band: unknown = data.pricing_band;
  if (band === "micro") return "micro";
  if (band === "nano") return "nano";
  return null;
}

/**
 * Classifies a verified event exactly as Siglume's reference classifier does
 * (rules 1–6 in shared/reference/siglume-protocol.md). Pure; never throws.
 */
export function classifyDirectPaymentConfirmation(event: SiglumeEvent): DirectPaymentConfirmation {
  const data = (event.data ?? {}) as DirectPaymentConfirmedData;
  const requirementId = present(data.requirement_id) ?? present(data.direct_payment_requirement_id);
  const unknown = (reason: UnknownConfirmationReason): UnknownConfirmation => ({
    kind: "unknown",
    reason,
    event,
    data,
    requirement_id: requirementId,
    pricing_band: present(data.pricing_band),
    settlement_cadence: present(data.settlement_cadence),
    settlement_status: present(data.settlement_status),
    finality: present(data.finality),
    settlement_batch_id: present(data.settlement_batch_id),
  });

  if (event.type !== DIRECT_PAYMENT_CONFIRMED) return unknown("not_direct_payment_confirmed");
  if (data.mode !== "external_402" && data.mode !== "metered_settlement_batch") {
    return unknown("unsupported_confirmation_mode");
  }

  const band = meteredBand(data);
  const cadenceMatchesBand = band !== null && data.settlement_cadence === CADENCE_FOR_BAND[band];

  if (data.mode === "metered_settlement_batch") {
    const batchId = present(data.settlement_batch_id);
    const receipt = present(data.chain_receipt_id);
    const digest = present(data.usage_event_digest);
    if (
      data.settlement_status === "settled" &&
      data.finality === "aggregated_onchain_settlement" &&
      band !== null &&
      cadenceMatchesBand &&
      batchId !== null &&
      receipt !== null &&
      digest !== null
    ) {
      return {
        kind: "metered_batch_settled",
        event,
        data,
        pricing_band: band,
        settlement_cadence: data.settlement_cadence as "weekly" | "monthly",
        settlement_batch_id: batchId,
        chain_receipt_id: receipt,
        usage_event_digest: digest,
        settled_at: present(data.settled_at),
      };
    }
    return unknown("invalid_metered_settlement_confirmation");
  }

  const challengeHash = present(data.challenge_hash);

  if (data.pricing_band === "standard") {
    const receipt = present(data.chain_receipt_id);
    if (
      data.finality === "per_payment_onchain" &&
      data.settlement_status === "settled" &&
      requirementId !== null &&
      challengeHash !== null &&
      receipt !== null
    ) {
      return {
        kind: "standard_settled",
        event,
        data,
        requirement_id: requirementId,
        challenge_hash: challengeHash,
        chain_receipt_id: receipt,
        request_hash_v2: present(data.request_hash_v2),
      };
    }
    return unknown("missing_standard_settlement_fields");
  }

  if (band !== null) {
    if (
      data.finality === "aggregated_onchain_settlement" &&
      data.settlement_status === "pending_settlement" &&
      cadenceMatchesBand &&
      requirementId !== null &&
      challengeHash !== null
    ) {
      return {
        kind: "metered_usage_accepted",
        event,
        data,
        pricing_band: band,
        settlement_cadence: data.settlement_cadence as "weekly" | "monthly",
        requirement_id: requirementId,
        challenge_hash: challengeHash,
        request_hash_v2: present(data.request_hash_v2),
      };
    }
    return unknown("missing_metered_usage_fields");
  }

  return unknown("unknown_confirmation_shape");
}
