/** Currencies Siglume Hosted Checkout charges in. */
export type CheckoutCurrency = "JPY" | "USD";

/**
 * The Siglume pricing band an amount falls in: `standard` from `STANDARD_MINIMUM_MINOR`, `micro` from
 * `MICRO_MINIMUM_MINOR`, `nano` below. Micro and Nano are metered and need `allowMeteredPayments`.
 */
export type CheckoutPricingBand = "standard" | "micro" | "nano";

/** Smallest Standard amount in minor units: JPY 501, USD 3.01. Below it an amount is Micro or Nano (metered). */
export const STANDARD_MINIMUM_MINOR: Readonly<Record<CheckoutCurrency, number>> = Object.freeze({ JPY: 501, USD: 301 });

/** Smallest Micro amount in minor units: JPY 50, USD 0.31. Below it an amount is Nano. */
export const MICRO_MINIMUM_MINOR: Readonly<Record<CheckoutCurrency, number>> = Object.freeze({ JPY: 50, USD: 31 });

/**
 * Whether `currency` is one the checkout prices in (`"JPY"` or `"USD"`); an order in another currency is answered
 * `409 ORDER_NOT_PAYABLE`.
 */
export function isCheckoutCurrency(currency: unknown): currency is CheckoutCurrency {
  return currency === "JPY" || currency === "USD";
}

/** A positive whole number of minor units that JavaScript represents exactly. */
export function isChargeableAmount(amountMinor: unknown): amountMinor is number {
  return typeof amountMinor === "number" && Number.isSafeInteger(amountMinor) && amountMinor > 0;
}

/**
 * The band Siglume prices an amount in, or null when Siglume cannot charge it at all
 * (another currency, zero, negative or fractional minor units).
 */
export function pricingBandOf(currency: unknown, amountMinor: unknown): CheckoutPricingBand | null {
  if (!isCheckoutCurrency(currency) || !isChargeableAmount(amountMinor)) return null;
  if (amountMinor >= STANDARD_MINIMUM_MINOR[currency]) return "standard";
  return amountMinor >= MICRO_MINIMUM_MINOR[currency] ? "micro" : "nano";
}

/** True for a Standard amount: settled per payment, safe for a Standard-only integration to sell. */
export function isStandardAmount(currency: unknown, amountMinor: unknown): boolean {
  return pricingBandOf(currency, amountMinor) === "standard";
}
