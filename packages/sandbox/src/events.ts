import { createHash, randomBytes } from "node:crypto";
import { pricingBandOf, type CheckoutCurrency } from "@siglume-middleware/checkout";
import type { SiglumeEvent } from "@siglume-middleware/core";

/** A Hosted Checkout session as the sandbox keeps it. */
export interface SandboxSession {
  /** The session's id. */
  session_id: string;
  /** The merchant key it was created for. */
  merchant: string;
  /** The amount it charges, in minor units. */
  amount_minor: number;
  /** `JPY` or `USD`. */
  currency: CheckoutCurrency;
  /** The token paid in: `JPYC` for JPY, `USDC` for USD. */
  token_symbol: "JPYC" | "USDC";
  /** The creating start's nonce. */
  nonce: string;
  /** Where the session stands: `open` until paid, expired or cancelled on the checkout page. */
  status: "open" | "paid" | "expired" | "cancelled";
  /** Its challenge hash, carried by the confirmation webhook. */
  challenge_hash: string;
  /** The sandbox's checkout page for it. */
  checkout_url: string;
  /** Where the page sends the shopper after paying. */
  success_url: string;
  /** Where the page sends the shopper after cancelling. */
  cancel_url: string;
  /** The metadata given at creation. */
  metadata_jsonb: Record<string, unknown>;
  /** The payment's id once paid; null before. */
  requirement_id: string | null;
  /** When it was created (ISO 8601). */
  created_at: string;
  /** When it expires (ISO 8601). */
  expires_at: string;
  /** When it was paid (ISO 8601); null before. */
  paid_at: string | null;
  /** When it was cancelled (ISO 8601); null unless cancelled. */
  cancelled_at: string | null;
  /** The signed confirmation, kept so redelivery sends the same bytes. */
  confirmation?: { event: SiglumeEvent; body: Buffer };
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("base64url")}`;
const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

/**
 * The session's challenge: per session, as the reference sandbox derives it (a repeated nonce that makes
 * a new session makes a new challenge); with `repeatedNonce: "same-session"` the session is shared, so is it.
 */
export const challengeHashFor = (merchant: string, nonce: string, sessionId: string): string =>
  sha256(`sandbox:${merchant}:${sessionId}:${nonce}`);

/** How a band settles, as Siglume's session and confirmation carry it. */
export function settlementOf(currency: CheckoutCurrency, amountMinor: number) {
  const band = pricingBandOf(currency, amountMinor) ?? "standard";
  return band === "standard"
    ? { pricing_band: band, settlement_cadence: "per_payment", finality: "per_payment_onchain" }
    : { pricing_band: band, settlement_cadence: band === "micro" ? "weekly" : "monthly", finality: "aggregated_onchain_settlement" };
}

/**
 * `GET /sdrp/direct-payments/checkout-sessions/{id}`: the fields of Siglume's HostedCheckoutSession (the
 * reference SDK's type), the settlement fields once paid; never the nonce or the signed event.
 */
export function publicSession(session: SandboxSession): Record<string, unknown> {
  const { confirmation, nonce: _nonce, ...fields } = session;
  const paid = confirmation?.event.data as Record<string, unknown> | undefined;
  return {
    ...fields,
    ...settlementOf(session.currency, session.amount_minor),
    settlement_status: paid?.settlement_status ?? null,
    chain_receipt_id: paid?.chain_receipt_id ?? null,
    protocol_fee_minor: paid?.protocol_fee_minor ?? null,
  };
}

export function envelope(type: string, data: Record<string, unknown>): SiglumeEvent {
  return { id: id("evt_sbx"), type, api_version: "2026-06-20", occurred_at: new Date().toISOString(), data };
}

/** Sandbox fees for metered bands, in minor units as decimal strings (Siglume sends these as strings). */
const PROTOCOL_FEE: Record<"micro" | "nano", Record<CheckoutCurrency, number>> = {
  micro: { JPY: 2, USD: 1 },
  nano: { JPY: 0.2, USD: 0.1 },
};
const decimal = (value: number) => String(Math.round(value * 10) / 10);

/**
 * The `direct_payment.confirmed` a paid session produces: Standard (settled per payment) for JPY ≥ 501 /
 * USD ≥ 301, else Micro/Nano usage accepted with its settlement pending and the seller-borne accounting fields.
 */
export function confirmationEvent(session: SandboxSession): SiglumeEvent {
  const settlement = settlementOf(session.currency, session.amount_minor);
  const band = settlement.pricing_band;
  const common = {
    mode: "external_402",
    merchant: session.merchant,
    requirement_id: session.requirement_id,
    challenge_hash: session.challenge_hash,
    amount_minor: session.amount_minor,
    currency: session.currency,
    token_symbol: session.token_symbol,
    status: "confirmed",
    request_hash_v2: sha256(`request:${session.session_id}`),
    checkout_session_id: session.session_id,
    environment: "sandbox",
  };
  if (band === "standard") {
    return envelope("direct_payment.confirmed", {
      ...common,
      ...settlement,
      settlement_status: "settled",
      chain_receipt_id: id("rc_sbx"),
      settled_at: session.paid_at,
    });
  }
  const fee = PROTOCOL_FEE[band][session.currency];
  return envelope("direct_payment.confirmed", {
    ...common,
    ...settlement,
    settlement_status: "pending_settlement",
    provider_gross_amount_minor: decimal(session.amount_minor),
    protocol_fee_minor: decimal(fee),
    provider_receivable_minor: decimal(session.amount_minor - fee),
    buyer_debit_minor: decimal(session.amount_minor),
    settlement_threshold_minor: "10000",
    total_unsettled_exposure_minor: decimal(session.amount_minor),
  });
}

/** A harmless test delivery: a `direct_payment.confirmed` is always a readiness probe, which fulfils nothing. */
export function testDeliveryEvent(type: string, data: Record<string, unknown>): SiglumeEvent {
  const probe = type === "direct_payment.confirmed" ? { readiness_probe: true, mode: "readiness_probe" } : {};
  return envelope(type, { ...data, ...probe, test_delivery: true, environment: "sandbox" });
}

export const newSessionId = () => id("chk_sbx");
export const newRequirementId = () => id("dpr_sbx");
