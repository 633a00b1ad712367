import { SiglumeConfigurationError, environment } from "@siglume-middleware/core";
import { SiglumeMerchantClient, type SiglumeMerchantClientOptions } from "../client/client.js";
import type { CheckoutOrder, SiglumeCheckoutOrders } from "../orders/contract.js";

/** The start route's default path: `POST /checkout/siglume/start` with `{"order_id": "…"}`. */
export const DEFAULT_CHECKOUT_PATH = "/checkout/siglume/start";
/** The default path (on `publicOrigin`) Siglume sends the shopper back to after paying; `?order_id=` is appended. */
export const DEFAULT_SUCCESS_PATH = "/checkout/siglume/success";
/**
 * The default path (on `publicOrigin`) Siglume sends the shopper back to after cancelling; `?order_id=` is appended.
 */
export const DEFAULT_CANCEL_PATH = "/checkout/siglume/cancel";

/**
 * Options of the checkout start route (`siglumeCheckoutRouter`, `siglumeCheckoutPlugin`, `siglumeCheckoutMiddleware`,
 * `SiglumeCheckoutModule`): the merchant, the shop's public origin, the order store and the client options. Checked
 * at start-up: a missing merchant, origin or store throws there.
 */
export interface SiglumeCheckoutOptions<TRequest = unknown> extends SiglumeMerchantClientOptions {
  /** Your Siglume merchant key. Default SIGLUME_DIRECT_PAYMENT_MERCHANT. */
  merchant?: string | undefined;
  /**
   * Your shop's public origin (https; http only on loopback), such as "https://shop.example"; the success and
   * cancel URLs are built on it, so Siglume must have it registered for the merchant (checkout_allowed_origins).
   * Default SHOP_PUBLIC_ORIGIN, the variable Siglume's tools use and `siglume-webhooks sandbox` prints (its
   * first `--origin`). One of the two is required.
   */
  publicOrigin?: string | undefined;
  /** Default "/checkout/siglume/success"; `?order_id=…` is appended. */
  successPath?: string | undefined;
  /** Default "/checkout/siglume/cancel"; `?order_id=…` is appended. */
  cancelPath?: string | undefined;
  /** The start route. Default "/checkout/siglume/start". */
  path?: string | undefined;
  /** Your order store: `authorize` (the ownership check), `beginAttempt`, `markPending`, `markFailed`. */
  orders: SiglumeCheckoutOrders<TRequest>;
  /** Look orders up with `orders.findOrder` and no ownership check. Only for stores where the id itself is the secret. */
  allowUnverifiedOrderLookup?: boolean | undefined;
  /** Let Micro/Nano amounts (JPY < 501, USD < 301) start a checkout. Default false: 409 METERED_INTEGRATION_REQUIRED. */
  allowMeteredPayments?: boolean | undefined;
  /** A client of your own; otherwise one is made from apiBase, merchantAuthToken and timeoutMs. */
  client?: SiglumeMerchantClient | undefined;
  /**
   * How long a "creating" claim holds before another start takes the attempt over (same nonce). Default 30 s;
   * must exceed timeoutMs by at least 1 s (checked at start-up).
   */
  creationLeaseMs?: number | undefined;
  /** retry_after_ms of the 202 answered while another start is creating the session. Default 250. */
  retryAfterMs?: number | undefined;
  /** Before answering a stored session again, ask Siglume whether it is still open. Default true. */
  checkSessionOnReuse?: boolean | undefined;
  /** Extra metadata for the session (order_id and attempt_id are always set). Must not hold personal data. */
  metadata?: ((order: CheckoutOrder) => Record<string, unknown>) | undefined;
  /** A start failed on our side or Siglume's (the shopper got 5xx/502). Default console.error. */
  onError?: (error: unknown, info: { orderId?: string; request: TRequest }) => void;
}

/**
 * The checkout options after start-up checks, environment fallbacks and defaults applied (what the handler runs
 * with).
 */
export interface ResolvedCheckoutOptions<TRequest> {
  /** Your Siglume merchant key. */
  merchant: string;
  /** publicOrigin (or SHOP_PUBLIC_ORIGIN), as an origin. */
  origin: string;
  /** The start route's path. */
  path: string;
  /** The success URL for an order (on the origin, with its `order_id`). */
  successUrl: (orderId: string) => string;
  /** The cancel URL for an order (on the origin, with its `order_id`). */
  cancelUrl: (orderId: string) => string;
  /** The order store. */
  orders: SiglumeCheckoutOrders<TRequest>;
  /** Finds the order the shopper may pay (null when absent or not theirs: answered `404 ORDER_NOT_FOUND`). */
  lookup: (orderId: string, request: TRequest) => Promise<CheckoutOrder | null> | CheckoutOrder | null;
  /** Whether Micro/Nano amounts may start (else `409 METERED_INTEGRATION_REQUIRED`). */
  allowMeteredPayments: boolean;
  /** The merchant API client sessions are created with. */
  client: SiglumeMerchantClient;
  /** How long a start's creation claim holds before another start may take the attempt over. */
  creationLeaseMs: number;
  /** What a `202` (another start is creating the session) tells the browser to wait before retrying. */
  retryAfterMs: number;
  /** Whether a stored session is checked with Siglume before it is answered again. */
  checkSessionOnReuse: boolean;
  /** Extra session metadata for an order, as configured. */
  metadata?: (order: CheckoutOrder) => Record<string, unknown>;
  /** Where failures of a start are reported (the configured `onError`, or console.error). */
  onError: (error: unknown, info: { orderId?: string; request: TRequest }) => void;
}

const MERCHANT = /^[a-z0-9][a-z0-9_-]{2,63}$/;
/** What a start needs beside the Siglume call while it holds the creation claim (storing the session). */
const LEASE_MARGIN_MS = 1000;
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function fail(message: string): never {
  throw new SiglumeConfigurationError(`siglume checkout: ${message}`);
}

function publicOriginOf(option: unknown): string {
  const value = option ?? environment("SHOP_PUBLIC_ORIGIN");
  if (value === undefined || value === "") {
    fail(
      'publicOrigin is required: pass your shop\'s origin, such as publicOrigin: "https://shop.example", or set ' +
        "SHOP_PUBLIC_ORIGIN (`siglume-webhooks sandbox` prints the value for local development).",
    );
  }
  const from = option === undefined ? "SHOP_PUBLIC_ORIGIN" : "publicOrigin";
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    fail(`${from} must be your shop's origin, such as "https://shop.example", got ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    fail(`${from} must use https (http only for localhost or 127.0.0.1), got ${JSON.stringify(value)}.`);
  }
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
    fail(`${from} must be an origin only (no path, query or credentials), got ${JSON.stringify(value)}.`);
  }
  return url.origin;
}

function pathOption(name: string, value: string | undefined, fallback: string): string {
  const path = value ?? fallback;
  if (typeof path !== "string" || !path.startsWith("/") || path.startsWith("//")) {
    fail(`${name} must be a path starting with one "/", got ${JSON.stringify(path)}.`);
  }
  return path;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result <= 0) fail(`${name} must be a positive whole number.`);
  return result;
}

function returnUrl(origin: string, path: string): (orderId: string) => string {
  return (orderId) => {
    const url = new URL(path, origin);
    url.searchParams.set("order_id", orderId);
    return url.href;
  };
}

/** Checked once at start-up: a start route that could sell to the wrong shopper refuses to start. */
export function resolveCheckoutOptions<TRequest>(options: SiglumeCheckoutOptions<TRequest>): ResolvedCheckoutOptions<TRequest> {
  if (typeof options !== "object" || options === null) fail("options are required.");
  const merchant = options.merchant ?? environment("SIGLUME_DIRECT_PAYMENT_MERCHANT");
  if (typeof merchant !== "string" || !MERCHANT.test(merchant)) {
    fail(
      "merchant is required: pass merchant or set SIGLUME_DIRECT_PAYMENT_MERCHANT to your Siglume merchant key " +
        `(3-64 lowercase letters, digits, "_" or "-"), got ${JSON.stringify(merchant ?? null)}.`,
    );
  }
  const origin = publicOriginOf(options.publicOrigin);
  const orders = options.orders;
  for (const method of ["beginAttempt", "markPending", "markFailed"] as const) {
    if (typeof orders?.[method] !== "function") fail(`orders.${method} must be a function (see SiglumeCheckoutOrders).`);
  }
  let lookup: ResolvedCheckoutOptions<TRequest>["lookup"];
  if (typeof orders.authorize === "function") {
    lookup = (orderId, request) => orders.authorize!(orderId, request);
  } else if (options.allowUnverifiedOrderLookup === true) {
    if (typeof orders.findOrder !== "function") fail("allowUnverifiedOrderLookup needs orders.findOrder(orderId).");
    lookup = (orderId) => orders.findOrder!(orderId);
  } else {
    fail(
      "orders.authorize(orderId, request) is required: it must return the order only when the request's shopper " +
        "owns it, so nobody can start a checkout for someone else's order. If your order ids are unguessable " +
        "capabilities, pass allowUnverifiedOrderLookup: true to use orders.findOrder instead.",
    );
  }
  const allowMeteredPayments = options.allowMeteredPayments ?? false;
  if (typeof allowMeteredPayments !== "boolean") fail("allowMeteredPayments must be true or false.");
  for (const name of ["metadata", "onError"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") fail(`${name} must be a function when given.`);
  }

  const client = options.client ?? new SiglumeMerchantClient(options);
  const creationLeaseMs = positiveInt("creationLeaseMs", options.creationLeaseMs, 30_000);
  // A start still waiting for Siglume must keep its claim: a takeover meanwhile would create a second session.
  if (creationLeaseMs < client.timeoutMs + LEASE_MARGIN_MS) {
    fail(
      `creationLeaseMs (${creationLeaseMs} ms) must exceed the Siglume call's timeoutMs (${client.timeoutMs} ms) by at least ` +
        `${LEASE_MARGIN_MS} ms, so a start still waiting for Siglume keeps its claim on the attempt. Raise creationLeaseMs or lower timeoutMs.`,
    );
  }

  return {
    merchant,
    origin,
    path: pathOption("path", options.path, DEFAULT_CHECKOUT_PATH),
    successUrl: returnUrl(origin, pathOption("successPath", options.successPath, DEFAULT_SUCCESS_PATH)),
    cancelUrl: returnUrl(origin, pathOption("cancelPath", options.cancelPath, DEFAULT_CANCEL_PATH)),
    orders,
    lookup,
    allowMeteredPayments,
    client,
    creationLeaseMs,
    retryAfterMs: positiveInt("retryAfterMs", options.retryAfterMs, 250),
    checkSessionOnReuse: options.checkSessionOnReuse ?? true,
    metadata: options.metadata,
    onError:
      options.onError ??
      ((error, { orderId }) => console.error(`[siglume-middleware] checkout start for order ${orderId ?? "(none)"} failed:`, error)),
  };
}
