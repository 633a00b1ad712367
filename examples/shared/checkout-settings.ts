// No extension: see demo-secret.ts.
import { secretOrDemo } from "./demo-secret";
import { inProduction } from "./production";

/** The local sandbox `siglume-webhooks sandbox` runs by default (its printed environment overrides these). */
const SANDBOX_API_BASE = "http://127.0.0.1:8787/v1";

/**
 * Where an example's checkout talks to Siglume: the environment `siglume-webhooks sandbox` prints, else,
 * for local runs, the sandbox's defaults. With NODE_ENV=production nothing falls back to the sandbox: the
 * merchant, its token and the shop's public origin must be set (the app refuses to start naming the
 * missing one), and an unset SIGLUME_API_BASE means Siglume's own API. Creating the client contacts nothing.
 */
export function checkoutSettings(app: string, localOrigin: string) {
  const production = inProduction();
  const fromDashboard = "The sandbox's value works only with a local sandbox; set your merchant's from Siglume's dashboard.";
  return {
    merchant: secretOrDemo(app, "SIGLUME_DIRECT_PAYMENT_MERCHANT", "sandbox_merchant", fromDashboard),
    merchantAuthToken: secretOrDemo(app, "SIGLUME_MERCHANT_AUTH_TOKEN", "sandbox_merchant_token", fromDashboard),
    // Unset in production: the client's default, https://siglume.com/v1.
    apiBase: process.env.SIGLUME_API_BASE ?? (production ? undefined : SANDBOX_API_BASE),
    publicOrigin: secretOrDemo(
      app,
      "SHOP_PUBLIC_ORIGIN",
      localOrigin,
      "Set your shop's public https origin (e.g. https://shop.example); Siglume sends shoppers back to it.",
    ),
  };
}
