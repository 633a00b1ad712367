import { z } from "zod";
import { eventIdSchema } from "@siglume-middleware/core";

// Open objects everywhere: Adyen adds fields and enum values between versions; only what the
// dispatch needs is required. Enums are plain strings here (the TypeScript types list the known values).

/** The zod schema of an Adyen amount: `currency` and `value` in minor units (extra fields kept). */
export const adyenAmountSchema = z.looseObject({ currency: z.string(), value: z.number() });

/**
 * The zod schema of the purchase being authenticated: date, merchant name and original amount (extra fields kept).
 */
export const adyenPurchaseSchema = z.looseObject({
  date: z.string(),
  merchantName: z.string(),
  originalAmount: adyenAmountSchema,
});

/**
 * The zod schema of a relayed authentication request (`balancePlatform.authentication.relayed`), the one Adyen waits
 * for a decision on: the contract the provider checks by hand on its hot path (a property test holds the two together).
 */
export const relayedAuthenticationRequestSchema = z.looseObject({
  id: eventIdSchema,
  paymentInstrumentId: z.string(),
  purchase: adyenPurchaseSchema,
  environment: z.string().optional(),
  timestamp: z.string().optional(),
  threeDSRequestorAppURL: z.string().optional(),
  type: z.literal("balancePlatform.authentication.relayed").optional(),
});

/** The zod schema of the 3-D Secure details of an authentication outcome (all optional; enum values left open). */
export const adyenAuthenticationInfoSchema = z.looseObject({
  acsTransId: z.string().optional(),
  dsTransID: z.string().optional(),
  threeDSServerTransID: z.string().optional(),
  transStatus: z.string().optional(),
  transStatusReason: z.string().optional(),
  type: z.string().optional(),
  challenge: z.looseObject({}).nullish(),
  deviceChannel: z.string().optional(),
  messageCategory: z.string().optional(),
  inPSD2Scope: z.boolean().optional(),
});

/** The zod schema of an authentication outcome notification (`balancePlatform.authentication.created`). */
export const authenticationNotificationSchema = z.looseObject({
  type: z.literal("balancePlatform.authentication.created"),
  environment: z.string().optional(),
  timestamp: z.string().optional(),
  data: z.looseObject({
    id: eventIdSchema,
    paymentInstrumentId: z.string().optional(),
    status: z.string().optional(),
    authentication: adyenAuthenticationInfoSchema.optional(),
    purchase: adyenPurchaseSchema.optional(),
    balancePlatform: z.string().optional(),
  }),
});
