import { SiglumeConfigurationError, environment } from "@siglume-middleware/core";
import {
  SiglumeApiError,
  SiglumeAuthenticationError,
  SiglumeHostedCheckoutNotEnabledError,
  SiglumeInvalidRequestError,
  SiglumeMerchantNotFoundError,
  SiglumeUnavailableError,
} from "./errors.js";
import type {
  CheckoutSession,
  CheckoutSessionCreated,
  CreateCheckoutSessionInput,
  ListWebhookDeliveriesInput,
  MerchantReadiness,
  MerchantResponse,
  WebhookDelivery,
  WebhookSubscription,
  WebhookTestDeliveryInput,
  WebhookTestDeliveryQueued,
} from "./types.js";

/**
 * Siglume's production API, used when neither `apiBase` nor `SIGLUME_API_BASE` is set. Point `apiBase` at the sandbox
 * (`http://127.0.0.1:8787/v1`) in development.
 */
export const DEFAULT_SIGLUME_API_BASE = "https://siglume.com/v1";
/**
 * How long one API request may take by default, answer included: 10 s (`timeoutMs`); a slower one fails with
 * `SiglumeUnavailableError` (code `SIGLUME_TIMEOUT`).
 */
export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;

/**
 * Options of {@link SiglumeMerchantClient} (and of the checkout, which extends them): the API base, the merchant's
 * bearer token and the timeout. Unset values fall back to the environment variables named on each.
 */
export interface SiglumeMerchantClientOptions {
  /** Default SIGLUME_API_BASE, else https://siglume.com/v1. A local sandbox: http://127.0.0.1:8787/v1. */
  apiBase?: string | undefined;
  /** The merchant's Siglume bearer token. Default SIGLUME_MERCHANT_AUTH_TOKEN. */
  merchantAuthToken?: string | undefined;
  /** Per request, including reading the answer. Default 10 s. */
  timeoutMs?: number | undefined;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function fail(message: string): never {
  throw new SiglumeConfigurationError(`SiglumeMerchantClient: ${message}`);
}

/** An absolute https URL (http only on loopback), without credentials, query or trailing slash. */
export function normaliseApiBase(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(`apiBase must be an absolute URL such as ${DEFAULT_SIGLUME_API_BASE}, got ${JSON.stringify(value)}.`);
  }
  if (url.username || url.password) fail("apiBase must not carry credentials; the token goes in merchantAuthToken.");
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    fail(`apiBase must use https (http only for localhost, 127.0.0.1 or [::1]), got ${url.origin}.`);
  }
  if (url.search || url.hash) fail("apiBase must not have a query or a fragment.");
  return url.href.replace(/\/+$/, "");
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

const HOSTED_CHECKOUT_OFF = new Set(["HOSTED_CHECKOUT_NOT_ENABLED", "FEATURE_DISABLED"]);
const ROUTE_MISSING = new Set(["HTTP_404", "NOT_FOUND", "ROUTE_NOT_FOUND", "FEATURE_DISABLED"]);

/**
 * Siglume's merchant API over the global `fetch`: Hosted Checkout sessions, the merchant account and
 * its readiness, webhook subscriptions and deliveries. Answers are the `data` of Siglume's envelope;
 * failures are `SiglumeApiError` subclasses carrying Siglume's `code`.
 */
export class SiglumeMerchantClient {
  /** The API base requests go to (no trailing slash). */
  readonly apiBase: string;
  /** The per-request timeout, in milliseconds. */
  readonly timeoutMs: number;
  readonly #token: string;

  constructor(options: SiglumeMerchantClientOptions = {}) {
    const token = options.merchantAuthToken ?? environment("SIGLUME_MERCHANT_AUTH_TOKEN");
    if (typeof token !== "string" || token.trim() === "") {
      fail("a merchant token is required: pass merchantAuthToken or set SIGLUME_MERCHANT_AUTH_TOKEN.");
    }
    if (/\s/.test(token)) fail("the merchant token contains whitespace; copy it again without spaces or newlines.");
    this.#token = token;
    this.apiBase = normaliseApiBase(options.apiBase ?? environment("SIGLUME_API_BASE") ?? DEFAULT_SIGLUME_API_BASE);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
    if (!Number.isSafeInteger(this.timeoutMs) || this.timeoutMs <= 0) fail("timeoutMs must be a positive whole number.");
  }

  /** Creates a Hosted Checkout session; the same nonce never starts a second payment. */
  createCheckoutSession(input: CreateCheckoutSessionInput): Promise<CheckoutSessionCreated> {
    return this.request("POST", "/sdrp/direct-payments/checkout-sessions", { body: input, hostedCheckout: true });
  }

  /**
   * Reads a hosted checkout session (its status, amount and URLs) by id. Throws `SiglumeApiError` on a non-2xx
   * answer, a timeout or a network failure.
   */
  getCheckoutSession(sessionId: string): Promise<CheckoutSession> {
    return this.request("GET", `/sdrp/direct-payments/checkout-sessions/${segment(sessionId, "sessionId")}`, {
      hostedCheckout: true,
    });
  }

  /**
   * Reads the merchant account (status, billing mandate, allowed checkout origins). Throws `SiglumeApiError` like
   * every call.
   */
  getMerchant(merchant: string): Promise<MerchantResponse> {
    return this.request("GET", `/sdrp/direct-payments/merchants/${segment(merchant, "merchant")}`);
  }

  /**
   * Reads whether the merchant can take hosted Standard checkouts (and what is missing when not): what `siglume-check
   * verify` checks.
   */
  async getMerchantReadiness(merchant: string): Promise<MerchantReadiness> {
    const data = await this.request<Record<string, unknown>>(
      "GET",
      `/sdrp/direct-payments/merchants/${segment(merchant, "merchant")}/readiness`,
    );
    return (data.standard_hosted_checkout_readiness ?? data) as MerchantReadiness;
  }

  /**
   * Lists the merchant's webhook subscriptions (callback URL, event types, status, the signing secret's last 4
   * characters).
   */
  listWebhookSubscriptions(): Promise<WebhookSubscription[]> {
    return this.request("GET", "/market/webhooks/subscriptions");
  }

  /**
   * Asks Siglume to send a test event of `event_type` to the subscriptions (all, or those named), signed like a real
   * one.
   */
  queueWebhookTestDelivery(input: WebhookTestDeliveryInput): Promise<WebhookTestDeliveryQueued> {
    return this.request("POST", "/market/webhooks/test-deliveries", { body: input });
  }

  /**
   * Lists recent webhook deliveries with their status and your endpoint's answer, optionally filtered by subscription
   * and event type.
   */
  listWebhookDeliveries(input: ListWebhookDeliveriesInput = {}): Promise<WebhookDelivery[]> {
    const query = new URLSearchParams();
    if (input.subscription_id !== undefined) query.set("subscription_id", input.subscription_id);
    if (input.event_type !== undefined) query.set("event_type", input.event_type);
    if (input.limit !== undefined) query.set("limit", String(input.limit));
    const suffix = query.size > 0 ? `?${query}` : "";
    return this.request("GET", "/market/webhooks/deliveries", { query: suffix });
  }

  private async request<T>(
    method: "GET" | "POST",
    path: string,
    { body, query = "", hostedCheckout = false }: { body?: unknown; query?: string; hostedCheckout?: boolean } = {},
  ): Promise<T> {
    const operation = `${method} ${path}`;
    const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${this.#token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let status: number;
    let raw: string;
    try {
      const response = await fetch(`${this.apiBase}${path}${query}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      raw = await response.text();
    } catch (error) {
      throw this.unreachable(operation, error);
    }
    let parsed: unknown;
    try {
      parsed = raw === "" ? {} : JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (status >= 200 && status < 300) {
      if (!isRecord(parsed) && !Array.isArray(parsed)) {
        throw new SiglumeUnavailableError(
          `Siglume answered ${operation} with ${status} but not JSON; is SIGLUME_API_BASE (${this.apiBase}) Siglume's API?`,
          { code: "INVALID_RESPONSE", status, operation, retryable: true },
        );
      }
      return (isRecord(parsed) && "data" in parsed ? parsed.data : parsed) as T;
    }
    throw this.refused(operation, status, parsed, hostedCheckout);
  }

  private unreachable(operation: string, error: unknown): SiglumeApiError {
    const name = (error as { name?: string })?.name;
    if (name === "TimeoutError" || name === "AbortError") {
      return new SiglumeUnavailableError(
        `Siglume did not answer ${operation} within ${this.timeoutMs} ms. Siglume may be slow or down; retry later ` +
          "(raise timeoutMs if this persists).",
        { code: "SIGLUME_TIMEOUT", operation, retryable: true, cause: error },
      );
    }
    const cause = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error)?.message ?? "network error";
    return new SiglumeUnavailableError(
      `Could not reach Siglume at ${this.apiBase} for ${operation} (${cause}). Check SIGLUME_API_BASE, the network, ` +
        "and, for local development, that `siglume-webhooks sandbox` is running.",
      { code: "SIGLUME_UNREACHABLE", operation, retryable: true, cause: error },
    );
  }

  private refused(operation: string, status: number, parsed: unknown, hostedCheckout: boolean): SiglumeApiError {
    const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : {};
    const code = (text(error.code) ?? `HTTP_${status}`).toUpperCase();
    const said = text(error.message)?.slice(0, 200);
    const base = `Siglume answered ${operation} with ${status} ${code}${said ? ` ("${said}")` : ""}`;
    const details = { code, status, operation, siglumeMessage: said };
    if (hostedCheckout && ((status === 409 && HOSTED_CHECKOUT_OFF.has(code)) || (status === 404 && ROUTE_MISSING.has(code)))) {
      return new SiglumeHostedCheckoutNotEnabledError(
        `${base}: Hosted Checkout is not enabled for this merchant account. Ask Siglume to enable it; until then no ` +
          "checkout session can be created.",
        details,
      );
    }
    if (status === 404 && code.includes("MERCHANT_NOT_FOUND")) {
      return new SiglumeMerchantNotFoundError(
        `${base}: Siglume does not know this merchant key for this token. Check SIGLUME_DIRECT_PAYMENT_MERCHANT and ` +
          "that SIGLUME_MERCHANT_AUTH_TOKEN belongs to the same account.",
        details,
      );
    }
    if (status === 401 || status === 403) {
      return new SiglumeAuthenticationError(
        `${base}: the merchant token was refused. Set SIGLUME_MERCHANT_AUTH_TOKEN to the merchant's Siglume bearer ` +
          "token for this environment (sandbox and live tokens differ).",
        details,
      );
    }
    if (status === 400 || status === 422) {
      return new SiglumeInvalidRequestError(
        `${base}: Siglume refused the input. Check amount_minor (positive whole minor units), currency (JPY or USD), ` +
          "the nonce (no ':') and that the return URLs are on an origin registered for the merchant.",
        details,
      );
    }
    if (status === 429 || status >= 500) {
      return new SiglumeUnavailableError(`${base}: Siglume is overloaded or failing; retry later.`, {
        ...details,
        retryable: true,
      });
    }
    return new SiglumeApiError(`${base}.`, details);
  }
}

/** One path segment, so an id can never change which endpoint is called. */
function segment(value: string, name: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new TypeError(`${name} must be a non-empty string.`);
  return encodeURIComponent(value);
}
