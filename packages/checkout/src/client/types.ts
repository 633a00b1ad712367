import type { CheckoutCurrency } from "../band.js";

/** `POST /sdrp/direct-payments/checkout-sessions` body. */
export interface CreateCheckoutSessionInput {
  /** Your Siglume merchant key. */
  merchant: string;
  /** Positive whole minor units, fixed by the server (never taken from the browser). */
  amount_minor: number;
  /** `"JPY"` or `"USD"`. */
  currency: CheckoutCurrency;
  /** Stable per checkout attempt: a retried create with the same nonce must not start a second payment. No ':'. */
  nonce: string;
  /** Must be on an origin registered for the merchant (checkout_allowed_origins). */
  success_url: string;
  /** Where Siglume sends the shopper who cancels; on a registered origin like `success_url`. */
  cancel_url: string;
  /** Extra data kept with the session (no personal data). */
  metadata?: Record<string, unknown>;
}

/** What Siglume answers for a created session (`data` of the 201). */
export interface CheckoutSessionCreated {
  /** Where the shopper pays. */
  checkout_url: string;
  /** The session's id. */
  session_id: string;
  /** `sha256:…`; the signed webhook's `data.challenge_hash` names the order with it. */
  challenge_hash: string;
  /** The new session's status (`open`). */
  status: string;
  /** When the session expires (ISO 8601), if set. */
  expires_at: string | null;
}

/** A hosted checkout session's status as Siglume reports it; other values may appear and are passed through. */
export type CheckoutSessionStatus = "open" | "authenticated" | "paid" | "expired" | "cancelled" | "failed";

/**
 * A hosted checkout session as Siglume's API returns it (snake_case, as on the wire): created by the checkout start
 * route, read with `getCheckoutSession`.
 */
export interface CheckoutSession {
  /** The session's id. */
  session_id: string;
  /** The merchant key it was created for. */
  merchant: string;
  /** The amount it charges, in minor units. */
  amount_minor: number;
  /** The currency it charges in. */
  currency: string;
  /** Where the session stands (`open`, `paid`, `expired`, …). */
  status: CheckoutSessionStatus | (string & {});
  /** The session's challenge hash (`sha256:…`), carried by the webhook of its payment. */
  challenge_hash: string;
  /** Where the shopper pays, while the session is open. */
  checkout_url?: string;
  /** Where the shopper returns after paying. */
  success_url?: string;
  /** Where the shopper returns after cancelling. */
  cancel_url?: string;
  /** When the session expires (ISO 8601). */
  expires_at?: string | null;
  /** The payment's id once paid. */
  requirement_id?: string | null;
  /** The metadata given at creation (`order_id`, `attempt_id`, and yours). */
  metadata_jsonb?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The merchant account as Siglume's API returns it (`getMerchant`). */
export interface MerchantAccount {
  /** The merchant key. */
  merchant: string;
  /** The account's status as Siglume reports it. */
  status: string;
  /** Set once the merchant approved the billing mandate in their wallet; Siglume's readiness check requires it. */
  billing_mandate_id?: string | null;
  /** The billing mandate's status as Siglume reports it. */
  billing_status?: string;
  /** The currency the merchant is billed in. */
  billing_currency?: string;
  /** The account's settings: the origins checkout URLs may be on (`checkout_allowed_origins`) and the webhook URL. */
  metadata_jsonb?: {
    checkout_allowed_origins?: string[];
    webhook_callback_url?: string;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** `GET /sdrp/direct-payments/merchants/{merchant}` data. */
export interface MerchantResponse {
  /** The merchant account. */
  merchant_account: MerchantAccount;
  [field: string]: unknown;
}

/** `standard_hosted_checkout_readiness` of `GET …/merchants/{merchant}/readiness`. */
export interface MerchantReadiness {
  /** Whether the merchant can take hosted Standard checkouts now. */
  ready: boolean;
  /** The readiness status as Siglume reports it. */
  status: string;
  /** What the merchant must still set up, in Siglume's words. */
  missing_requirements: string[];
  /** What stops checkouts now, in Siglume's words. */
  blockers: string[];
  /** Whether the merchant accepted Siglume's responsibility terms; Siglume's readiness check requires true. */
  merchant_responsibility_attested?: boolean;
  /** The version of the responsibility terms accepted. */
  responsibility_attestation_version?: string;
  /** Whether live (non-sandbox) payments are switched on. */
  live_mode_enabled?: boolean;
  [field: string]: unknown;
}

/** A webhook subscription as Siglume's API returns it (`listWebhookSubscriptions`). */
export interface WebhookSubscription {
  /** The subscription's id. */
  id: string;
  /** Your webhook URL. */
  callback_url: string;
  /** Whether it is active, as Siglume reports it. */
  status: string;
  /** The event types it is sent. */
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
  /** The event type to send (e.g. `direct_payment.confirmed`). */
  event_type: string;
  /** The test event's `data`; optional. */
  data?: Record<string, unknown>;
  /** Only these subscriptions (default all). */
  subscription_ids?: string[];
}

/** Siglume's answer to `queueWebhookTestDelivery`: whether it queued, and the test event's id and type. */
export interface WebhookTestDeliveryQueued {
  /** Whether the test delivery was queued. */
  queued: boolean;
  /** The test event's id and type. */
  event: { id: string; type: string };
  [field: string]: unknown;
}

/** Filters of `listWebhookDeliveries`: subscription, event type and how many to return. */
export interface ListWebhookDeliveriesInput {
  /** Only this subscription's deliveries. */
  subscription_id?: string;
  /** Only deliveries of this event type. */
  event_type?: string;
  /** How many to return at most. */
  limit?: number;
}

/**
 * One webhook delivery as Siglume's API returns it (`listWebhookDeliveries`): the event, whether it was delivered,
 * and your endpoint's status.
 */
export interface WebhookDelivery {
  /** The delivered event's id. */
  event_id: string;
  /** The delivered event's type. */
  event_type: string;
  /** `delivered` when your endpoint answered 2xx, else `failed`. */
  delivery_status: "delivered" | "failed" | (string & {});
  /** Your endpoint's HTTP status; null when it did not answer. */
  response_status: number | null;
  [field: string]: unknown;
}
