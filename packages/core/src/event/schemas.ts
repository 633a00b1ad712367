import { z } from "zod";
import { eventIdProblem } from "../idempotency/key.js";

const nonEmpty = z.string().refine((value) => value.trim() !== "", { message: "must be a non-empty string" });

/** An event id usable as an idempotency key (see eventIdProblem). */
export const eventIdSchema = nonEmpty.superRefine((id, ctx) => {
  const problem = eventIdProblem(id);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

/** The envelope every Siglume webhook carries; extra fields are tolerated. */
export const siglumeEventSchema = z.looseObject({
  id: eventIdSchema,
  type: eventIdSchema,
  api_version: nonEmpty,
  occurred_at: nonEmpty,
  data: z.record(z.string(), z.unknown()),
});

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal string");

/** `direct_payment.confirmed` data: types of the documented fields; extra fields pass through. */
export const directPaymentConfirmedDataSchema = z.looseObject({
  mode: z.string().optional(),
  merchant: z.string().optional(),
  requirement_id: z.string().optional(),
  direct_payment_requirement_id: z.string().nullish(),
  challenge_hash: z.string().optional(),
  amount_minor: z.union([z.number().int(), decimalString]).optional(),
  currency: z.string().optional(),
  token_symbol: z.string().optional(),
  status: z.string().optional(),
  request_hash_v2: z.string().optional(),
  pricing_band: z.string().optional(),
  settlement_cadence: z.string().optional(),
  finality: z.string().optional(),
  settlement_status: z.string().optional(),
  settlement_batch_id: z.string().optional(),
  chain_receipt_id: z.string().optional(),
  usage_event_digest: z.string().optional(),
  settled_at: z.string().optional(),
  protocol_fee_minor: decimalString.optional(),
  provider_gross_amount_minor: decimalString.optional(),
  provider_receivable_minor: decimalString.optional(),
  buyer_debit_minor: decimalString.optional(),
  settlement_threshold_minor: decimalString.optional(),
  total_unsettled_exposure_minor: decimalString.optional(),
  readiness_probe: z.boolean().optional(),
});

/** `direct_payment.spent` data: loosely typed, as Siglume leaves it open. */
export const directPaymentSpentDataSchema = z.looseObject({
  requirement_id: z.string().optional(),
  challenge_hash: z.string().optional(),
  amount_minor: z.union([z.number().int(), decimalString]).optional(),
  currency: z.string().optional(),
});

/**
 * The zod schema of a `direct_payment.confirmed` event as Siglume documents it (unknown extra fields allowed), for
 * validating events in your own code and tests. The webhook checks the envelope by hand (the same contract as
 * `siglumeEventSchema`) and leaves what `data` proves to the classifier.
 */
export const directPaymentConfirmedEventSchema = siglumeEventSchema.extend({
  type: z.literal("direct_payment.confirmed"),
  data: directPaymentConfirmedDataSchema,
});

/** The zod schema of a `direct_payment.spent` event (unknown extra fields allowed). */
export const directPaymentSpentEventSchema = siglumeEventSchema.extend({
  type: z.literal("direct_payment.spent"),
  data: directPaymentSpentDataSchema,
});
