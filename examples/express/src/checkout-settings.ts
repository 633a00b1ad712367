import type { MemoryOrder } from "@siglume-middleware/express";

/** The demo's orders: one Standard-priced, one Micro-priced (below JPY 501). */
export const DEMO_ORDERS: MemoryOrder[] = [
  { id: "ord_standard", amount_minor: 1200, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
  { id: "ord_micro", amount_minor: 300, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
];

/**
 * Where the checkout talks to Siglume: the environment `siglume-webhooks sandbox` prints, else the
 * sandbox's defaults (a local sandbox on port 8787). Creating the client contacts nothing.
 */
export function checkoutSettings(publicOrigin: string) {
  return {
    merchant: process.env.SIGLUME_DIRECT_PAYMENT_MERCHANT ?? "sandbox_merchant",
    apiBase: process.env.SIGLUME_API_BASE ?? "http://127.0.0.1:8787/v1",
    merchantAuthToken: process.env.SIGLUME_MERCHANT_AUTH_TOKEN ?? "sandbox_merchant_token",
    publicOrigin: process.env.PUBLIC_ORIGIN ?? publicOrigin,
  };
}
