import type { CheckoutCurrency } from "../band.js";

/** `POST /sdrp/direct-payments/checkout-sessions` body. */
export interface CreateCheckoutSessionInput {
  merchant: string;
  /** Positive whole minor units, fixed by the server (never taken from the browser). */
  amount_minor: number;
  currency: CheckoutCurrency;
  /** Stable per checkout attempt: a retried create with the same nonce must not start a second payment. No ':'. */
  nonce: string;
  /** Must be on an origin registered for the merchant (checkout_allowed_origins). */
  success_url: string;
  cancel_url: string;
  metadata?: Record<string, unknown>;
}

/** What Siglume answers for a created session (`data` of the 201). */
export interface CheckoutSessionCreated {
  checkout_url: string;
  session_id: string;
  /** `sha256:…`; the signed webhook's `data.challenge_hash` names the order with it. */
  challenge_hash: string;
  status: string;
  expires_at: string | null;
}

/** A hosted checkout session's status as Siglume reports it; other values may appear and are passed through. */
export type CheckoutSessionStatus = "open" | "authenticated" | "paid" | "expired" | "cancelled" | "failed";

/**
 * A hosted checkout session as Siglume's API returns it (snake_case, as on the wire): created by the checkout start
 * route, read with `getCheckoutSession`.
 */
export interface CheckoutSession {
  session_id: string;
  merchant: string;
  amount_minor: number;
  currency: string;
  status: CheckoutSessionStatus | (string & {});
  challenge_hash: string;
  checkout_url?: string;
  success_url?: string;
  cancel_url?: string;
  expires_at?: string | null;
  requirement_id?: string | null;
  metadata_jsonb?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The merchant account as Siglume's API returns it (`getMerchant`). */
export interface MerchantAccount {
  merchant: string;
  status: string;
  /** Set once the merchant approved the billing mandate in their wallet; Siglume's readiness check requires it. */
  billing_mandate_id?: string | null;
  billing_status?: string;
  billing_currency?: string;
  metadata_jsonb?: {
    checkout_allowed_origins?: string[];
    webhook_callback_url?: string;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** `GET /sdrp/direct-payments/merchants/{merchant}` data. */
export interface MerchantResponse {
  merchant_account: MerchantAccount;
  [field: string]: unknown;
}

/** `standard_hosted_checkout_readiness` of `GET …/merchants/{merchant}/readiness`. */
export interface MerchantReadiness {
  ready: boolean;
  status: string;
  missing_requirements: string[];
  blockers: string[];
  /** Whether the merchant accepted Siglume's responsibility terms; Siglume's readiness check requires true. */
  merchant_responsibility_attested?: boolean;
  responsibility_attestation_version?: string;
  /** Whether live (non-sandbox) payments are switched on. */
  live_mode_enabled?: boolean;
  [field: string]: unknown;
}

/** A webhook subscription as Siglume's API returns it (`listWebhookSubscriptions`). */
export interface WebhookSubscription {
  id: string;
  callback_url: string;
  status: string;
  event_types: string[];
  /** The secret's last 4 characters, to tell which secret a subscription signs with. */
  signing_secret_hint: string;
  [field: string]: unknown;
}

/**
 * What `queueWebhookTestDelivery` sends: the event type, optional `data`, and the subscriptions to send to (default
 * all).
 */
export interface WebhookTestDeliveryInput {
  event_type: string;
  data?: Record<string, unknown>;
  subscription_ids?: string[];
}

/** Siglume's answer to `queueWebhookTestDelivery`: whether it queued, and the test event's id and type. */
export interface WebhookTestDeliveryQueued {
  queued: boolean;
  event: { id: string; type: string };
  [field: string]: unknown;
}

/** Filters of `listWebhookDeliveries`: subscription, event type and how many to return. */
export interface ListWebhookDeliveriesInput {
  /** Only this subscription's deliveries. */
  subscription_id?: string;
  event_type?: string;
  limit?: number;
}

/**
 * One webhook delivery as Siglume's API returns it (`listWebhookDeliveries`): the event, whether it was delivered,
 * and your endpoint's status.
 */
export interface WebhookDelivery {
  event_id: string;
  event_type: string;
  delivery_status: "delivered" | "failed" | (string & {});
  response_status: number | null;
  [field: string]: unknown;
}
