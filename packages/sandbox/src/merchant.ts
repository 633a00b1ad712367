// The sandbox merchant's account and its Standard Hosted Checkout readiness, as Siglume's readiness command
// (`siglume-check verify --sandbox`) reads them: an active account with an approved billing mandate, and
// the merchant's responsibility attested.

/** The attestation version Siglume's reference sandbox reports. */
export const RESPONSIBILITY_ATTESTATION_VERSION = "sdrp_standard_hosted_checkout_responsibility_v1";

const MANDATE_ID = "mandate_sandbox_active";

/**
 * `GET /sdrp/direct-payments/merchants/{merchant}`: an active merchant whose billing mandate is approved, with
 * its registered return-URL origins and webhook URL.
 */
export function merchantAccount(merchant: string, origins: string[], webhookUrl: string): Record<string, unknown> {
  return {
    merchant_account: {
      merchant_account_id: `macc_sandbox_${merchant}`,
      merchant,
      merchant_user_id: `usr_sandbox_${merchant}`,
      billing_mandate_id: MANDATE_ID,
      status: "active",
      billing_status: "active",
      billing_plan: "launch",
      billing_currency: "JPY",
      token_symbol: "JPYC",
      metadata_jsonb: { environment: "sandbox", checkout_allowed_origins: origins, webhook_callback_url: webhookUrl },
    },
    challenge_secret_created: true,
    mandate: { mandate_id: MANDATE_ID, status: "active" },
  };
}

/**
 * `standard_hosted_checkout_readiness` of `GET …/merchants/{merchant}/readiness`: ready with the responsibility
 * attested, or blocked when the sandbox runs with Hosted Checkout off. `live_mode_enabled` is false: this is
 * not a live account, so a readiness check for production (without `--sandbox`) fails against it.
 */
export function readiness(hostedCheckoutEnabled: boolean): Record<string, unknown> {
  const blockers = hostedCheckoutEnabled ? [] : ["hosted_checkout_not_enabled"];
  return {
    scope: "standard_hosted_checkout",
    ready: blockers.length === 0,
    status: blockers.length === 0 ? "ready" : "blocked",
    checks: [],
    missing_requirements: [],
    blockers,
    merchant_responsibility_attested: true,
    responsibility_attestation_version: RESPONSIBILITY_ATTESTATION_VERSION,
    live_mode_enabled: false,
  };
}
