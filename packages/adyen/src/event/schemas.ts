import { z } from "zod";
import { eventIdSchema } from "@siglume-middleware/core";

// Open objects everywhere: Adyen adds fields and enum values between versions; only what the
// dispatch needs is required. Enums are plain strings here (the TypeScript types list the known values).

export const adyenAmountSchema = z.looseObject({ currency: z.string(), value: z.number() });

export const adyenPurchaseSchema = z.looseObject({
  date: z.string(),
  merchantName: z.string(),
  originalAmount: adyenAmountSchema,
});

export const relayedAuthenticationRequestSchema = z.looseObject({
  id: eventIdSchema,
  paymentInstrumentId: z.string(),
  purchase: adyenPurchaseSchema,
  environment: z.string().optional(),
  timestamp: z.string().optional(),
  threeDSRequestorAppURL: z.string().optional(),
  type: z.literal("balancePlatform.authentication.relayed").optional(),
});

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
