import { z } from "zod";
import type { ClearTxRouteName } from "./types.js";

// Open objects everywhere: ClearTX may add fields, and enum values (protocol, reason.category) are
// plain strings here (the TypeScript types list the known values). These schemas state the contract;
// the hot path uses the equivalent hand-written checks in parse.ts, held to them by a property test.

/** A UUID as ClearTX writes transactionRef: 8-4-4-4-12 hex digits, either case, any version. */
export const CLEARTX_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The zod schema of a ClearTX `transactionRef`: a UUID (the idempotency key, with the endpoint). */
export const clearTxTransactionRefSchema = z.string().regex(CLEARTX_UUID);

const common = {
  transactionRef: clearTxTransactionRefSchema,
  protocol: z.string(),
  originatorVASPdid: z.string(),
  beneficiaryVASPdid: z.string(),
};

/** The zod schema of a decline or rejection reason: `category` and `description` (extra fields kept). */
export const clearTxReasonSchema = z.looseObject({ category: z.string(), description: z.string() });

/** The zod schema of a broadcast transfer's on-chain details: transaction hash, origin and destination addresses. */
export const clearTxBlockchainInfoSchema = z.looseObject({ txHash: z.string(), origin: z.string(), destination: z.string() });

/** The zod schema of a CONFIRMED notification (posted to the `confirmed` endpoint). */
export const clearTxConfirmedSchema = z.looseObject({ ...common, status: z.literal("CONFIRMED") });
/** The zod schema of a DECLINED notification, with its reason (posted to the `declined` endpoint). */
export const clearTxDeclinedSchema = z.looseObject({ ...common, status: z.literal("DECLINED"), reason: clearTxReasonSchema });
/** The zod schema of a REJECTED notification, with its reason (posted to the `rejected` endpoint). */
export const clearTxRejectedSchema = z.looseObject({ ...common, status: z.literal("REJECTED"), reason: clearTxReasonSchema });
/** The zod schema of a BROADCASTED notification, with the on-chain details (posted to the `broadcasted` endpoint). */
export const clearTxBroadcastedSchema = z.looseObject({
  ...common,
  status: z.literal("BROADCASTED"),
  transactionBlockchainInfo: clearTxBlockchainInfoSchema,
});

/** Not public beyond its reference: the rest is typed when present, the IVMS.101 part kept as sent. */
export const clearTxConfirmedDataSchema = z.looseObject({
  transactionRef: clearTxTransactionRefSchema,
  protocol: z.string().optional(),
  status: z.string().optional(),
  originatorVASPdid: z.string().optional(),
  beneficiaryVASPdid: z.string().optional(),
});

/** The schema of each endpoint's payload. */
export const clearTxSchemas = {
  confirmed: clearTxConfirmedSchema,
  declined: clearTxDeclinedSchema,
  rejected: clearTxRejectedSchema,
  broadcasted: clearTxBroadcastedSchema,
  "confirmed-data": clearTxConfirmedDataSchema,
} as const satisfies Record<ClearTxRouteName, z.ZodType>;
