import { signSiglumeWebhook, type SiglumeEvent } from "@siglume-middleware/core";

export const SECRET = "whsec_conformance_secret";
let sequence = 0;

/** A unique event id per call, so tests never collide in a shared store. */
export function eventId(prefix = "evt"): string {
  sequence += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${sequence}`;
}

function envelope(type: string, data: Record<string, unknown>, id = eventId()): SiglumeEvent {
  return { id, type, api_version: "2026-06-11", occurred_at: "2026-06-11T00:00:00Z", data };
}

export const events = {
  standardSettled: (data: Record<string, unknown> = {}) =>
    envelope("direct_payment.confirmed", {
      mode: "external_402",
      pricing_band: "standard",
      settlement_cadence: "per_payment",
      finality: "per_payment_onchain",
      settlement_status: "settled",
      requirement_id: "dpr_1",
      challenge_hash: `sha256:${eventId("c")}`,
      chain_receipt_id: "rc_1",
      amount_minor: 1200,
      currency: "JPY",
      ...data,
    }),
  meteredUsageAccepted: (data: Record<string, unknown> = {}) =>
    envelope("direct_payment.confirmed", {
      mode: "external_402",
      pricing_band: "micro",
      settlement_cadence: "weekly",
      finality: "aggregated_onchain_settlement",
      settlement_status: "pending_settlement",
      requirement_id: "dpr_3",
      challenge_hash: "sha256:c3",
      amount_minor: 300,
      currency: "JPY",
      ...data,
    }),
  meteredBatchSettled: (data: Record<string, unknown> = {}) =>
    envelope("direct_payment.confirmed", {
      mode: "metered_settlement_batch",
      pricing_band: "nano",
      settlement_cadence: "monthly",
      finality: "aggregated_onchain_settlement",
      settlement_status: "settled",
      settlement_batch_id: "msb_1",
      chain_receipt_id: "rc_5",
      usage_event_digest: "sha256:u1",
      settled_at: "2026-06-30T00:00:00Z",
      ...data,
    }),
  unknownShape: () => events.standardSettled({ chain_receipt_id: "" }),
  readinessProbe: () => events.standardSettled({ readiness_probe: true }),
  spent: (data: Record<string, unknown> = {}) =>
    envelope("direct_payment.spent", { requirement_id: "dpr_1", amount_minor: 1200, currency: "JPY", ...data }),
  other: (type = "direct_payment.refunded") => envelope(type, { requirement_id: "dpr_1" }),
};

export interface SignedDelivery {
  body: Buffer;
  headers: Record<string, string>;
}

/** The exact bytes and headers Siglume would send for `event`. */
export function signed(
  event: SiglumeEvent | string | Buffer,
  options: { secret?: string; timestamp?: number; contentType?: string } = {},
): SignedDelivery {
  const body = Buffer.isBuffer(event) ? event : Buffer.from(typeof event === "string" ? event : JSON.stringify(event));
  return {
    body,
    headers: {
      "content-type": options.contentType ?? "application/json",
      "siglume-signature": signSiglumeWebhook(options.secret ?? SECRET, body, { timestamp: options.timestamp }),
    },
  };
}
