// The server's settings, read once per server process: from the environment, or the demo's values under
// `next dev`. `next start` runs with NODE_ENV=production, where a missing one stops the server at start-up
// (instrumentation.ts) naming it.
import { checkoutSettings } from "../../shared/checkout-settings";
import { webhookSecretOrDemo } from "../../shared/demo-secret";

/** Siglume's webhook signing secret (SIGLUME_WEBHOOK_SECRET). */
export const webhookSecret = webhookSecretOrDemo("nextjs");

/** The merchant, its API token, Siglume's API and the shop's public origin (SHOP_PUBLIC_ORIGIN) for the checkout start route. */
export const checkout = checkoutSettings("nextjs", `http://127.0.0.1:${process.env.PORT ?? 3000}`);

/** Micro-priced (metered) payments only with SIGLUME_ALLOW_METERED=1. */
export const allowMeteredPayments = process.env.SIGLUME_ALLOW_METERED === "1";
