import { isJsonContentType, isSiglumeWebhookError } from "@siglume-middleware/core";
import { pricingBandOf } from "../band.js";
import { SiglumeApiError, SiglumeHostedCheckoutNotEnabledError, refusesReturnUrls } from "../client/errors.js";
import { PAID_ORDER_STATUSES, type AttemptAmount, type CheckoutAttempt, type CheckoutOrder } from "../orders/contract.js";
import { isCheckoutStoreUnavailableError } from "../orders/errors.js";
import { START_BODY_LIMIT, parseStartBody } from "./body.js";
import { resolveCheckoutOptions, type ResolvedCheckoutOptions, type SiglumeCheckoutOptions } from "./options.js";
import { checkoutError, checkoutJson, type CheckoutErrorCode, type CheckoutResponse } from "./response.js";

/** What an adapter supplies for one start request. */
export interface CheckoutStartRequest<TRequest> {
  /** The HTTP method; anything but POST is answered `405 METHOD_NOT_ALLOWED`. */
  method: string;
  /** Reads a header by lower-case name. */
  header(name: string): string | string[] | undefined;
  /**
   * The body: the object the app's JSON parser made, or, when no parser ran, the raw bytes read with
   * `limit` enforced (a Promise is fine). Called only for POST with a JSON Content-Type.
   */
  readBody(limit: number): unknown;
  /** The framework's request, handed to `orders.authorize`. */
  request: TRequest;
}

/** The checkout start route, framework-free (what `createSiglumeCheckoutHandler` returns and every adapter calls). */
export interface SiglumeCheckoutHandler<TRequest> {
  /** The options after start-up checks. */
  readonly options: ResolvedCheckoutOptions<TRequest>;
  /**
   * Handles one start request: checks the order, creates (or reuses) the hosted checkout session and resolves with
   * the answer to write: 200 with the checkout URL, or an error whose code is a {@link CheckoutErrorCode}. Never
   * rejects.
   */
  handle(request: CheckoutStartRequest<TRequest>): Promise<CheckoutResponse>;
}

const methodNotAllowed = checkoutError("METHOD_NOT_ALLOWED", "Start a checkout with POST.", { allow: "POST" });
const unsupportedMediaType = checkoutError(
  "UNSUPPORTED_MEDIA_TYPE",
  'Send the start request as JSON with "Content-Type: application/json": {"order_id": "…"}.',
);
const notFound = checkoutError("ORDER_NOT_FOUND", "No order with this id belongs to you. Check order_id, and that you are signed in.");
const alreadyPaid = checkoutError("ORDER_ALREADY_PAID", "This order is already paid; there is nothing left to pay.");
const paidAtSiglume = checkoutError(
  "ORDER_ALREADY_PAID",
  "Siglume reports this order's checkout as paid; the order is marked paid as soon as Siglume's signed confirmation arrives.",
);
const meteredRequired = checkoutError(
  "METERED_INTEGRATION_REQUIRED",
  "This order's amount is below Siglume's Standard band (JPY 501 / USD 3.01), so it would be a Micro/Nano payment " +
    "that settles later. This shop accepts Standard payments only (allowMeteredPayments is off).",
);
const notPayable = checkoutError(
  "ORDER_NOT_PAYABLE",
  "Siglume cannot charge this order: its currency must be JPY or USD and its amount a positive whole number of minor units.",
);
const hostedOff = checkoutError(
  "HOSTED_CHECKOUT_NOT_ENABLED",
  "Siglume Hosted Checkout is not enabled for this shop's merchant account yet, so no payment page can be opened.",
);
const failed = checkoutError(
  "CHECKOUT_FAILED",
  "The checkout could not be started because of an error in this shop's server. Details are in its logs (onError).",
);

const storeUnavailable = checkoutError(
  "ORDER_STORE_UNAVAILABLE",
  "This shop's order database is unavailable right now (its connection was lost or could not be made), so the " +
    "checkout was not started and nothing was charged. Try again in a moment.",
  { "retry-after": "5" },
);

const SESSION_OVER = new Set(["expired", "cancelled", "failed"]);
const AGAIN = Symbol("begin again");

/**
 * Builds the start route every adapter calls: (method, Content-Type, body, request) in, (status,
 * headers, JSON body) out. Options are checked here, once.
 */
export function createSiglumeCheckoutHandler<TRequest = unknown>(
  options: SiglumeCheckoutOptions<TRequest>,
): SiglumeCheckoutHandler<TRequest> {
  const resolved = resolveCheckoutOptions(options);
  const { orders, client, merchant } = resolved;
  const creating = checkoutJson(
    202,
    { status: "creating", retry_after_ms: resolved.retryAfterMs },
    { "retry-after": String(Math.ceil(resolved.retryAfterMs / 1000)) },
  );
  const started = (session: { checkout_url: string; session_id: string }) =>
    checkoutJson(200, { checkout_url: session.checkout_url, session_id: session.session_id });

  /** Why this amount may not be charged here (the code and the answer), or null when it may. */
  function refusal({ amount_minor, currency }: AttemptAmount): [CheckoutErrorCode, CheckoutResponse] | null {
    const band = pricingBandOf(currency, amount_minor);
    if (band === null) return ["ORDER_NOT_PAYABLE", notPayable];
    if (band !== "standard" && !resolved.allowMeteredPayments) return ["METERED_INTEGRATION_REQUIRED", meteredRequired];
    return null;
  }

  /** The answer, or AGAIN when the session could not be stored (the attempt ended meanwhile): begin anew. */
  async function createSession(order: CheckoutOrder, attempt: CheckoutAttempt & AttemptAmount, request: TRequest): Promise<CheckoutResponse | typeof AGAIN> {
    // The session is for exactly what the attempt holds (the order as the store locked it), never another amount.
    if (!Number.isSafeInteger(attempt.amount_minor) || typeof attempt.currency !== "string") {
      throw new TypeError("orders.beginAttempt must answer a created attempt with its amount_minor and currency (see BeginAttemptResult).");
    }
    const refused = refusal(attempt); // the store's order may differ from the one looked up a moment ago
    if (refused) {
      await orders.markFailed(attempt, { code: refused[0], retryable: false });
      return refused[1];
    }
    let session;
    try {
      session = await client.createCheckoutSession({
        merchant,
        amount_minor: attempt.amount_minor,
        currency: attempt.currency as "JPY" | "USD",
        nonce: attempt.nonce,
        success_url: resolved.successUrl(order.id),
        cancel_url: resolved.cancelUrl(order.id),
        metadata: { ...resolved.metadata?.(order), order_id: order.id, attempt_id: attempt.attemptId },
      });
    } catch (error) {
      const api = error instanceof SiglumeApiError ? error : undefined;
      // Retryable: the session may exist; the next start creates again with the same nonce.
      await orders.markFailed(attempt, { code: api?.code ?? "CREATE_FAILED", retryable: api ? api.retryable : true });
      if (error instanceof SiglumeHostedCheckoutNotEnabledError) return hostedOff;
      resolved.onError(error, { orderId: order.id, request });
      if (!api) return failed;
      if (api.retryable) {
        return checkoutError(
          "SIGLUME_UNAVAILABLE",
          "Siglume could not be reached to open the payment page. Try again in a moment.",
          { "retry-after": "5" },
        );
      }
      return checkoutError("SIGLUME_REJECTED", rejectedMessage(api));
    }
    const { checkout_url, session_id, challenge_hash, expires_at } = session;
    const stored = await orders.markPending(attempt, { checkout_url, session_id, challenge_hash, expires_at: expires_at ?? null });
    if (stored === true) return started(session);
    if (stored === false) return AGAIN; // a URL whose challenge_hash is not stored would be paid to nobody's order
    throw new TypeError(
      "orders.markPending must answer true when it stored the session, false when the attempt was no longer creating " +
        `(it answered ${String(stored)}); the session was not handed out.`,
    );
  }

  /**
   * Why Siglume refused, for the answer: the likely cause where it is this shop's public configuration (the
   * return URLs' origin, which the browser knows anyway), else only Siglume's code. Never Siglume's own text,
   * the merchant key or the token.
   */
  function rejectedMessage(api: SiglumeApiError): string {
    const prefix = `Siglume refused to open a payment page for this order (${api.code})`;
    if (refusesReturnUrls(api)) {
      return (
        `${prefix}: it did not accept this shop's return URLs, which are on ${resolved.origin}. Likely cause: that ` +
        "origin is not registered for the shop's merchant account (checkout_allowed_origins), or publicOrigin is " +
        `set to another origin than the one registered. Against the local sandbox, start it with --origin ${resolved.origin} ` +
        "or set publicOrigin to the origin it was started with. Details are in this shop's logs (onError)."
      );
    }
    return `${prefix}; this shop's Siglume settings (merchant key, token or registered return-URL origin) need fixing. Details are in its logs (onError).`;
  }

  /** The stored session's state at Siglume; undefined when Siglume cannot say (the stored one is answered). */
  async function liveStatus(sessionId: string, orderId: string, request: TRequest): Promise<string | undefined> {
    if (!resolved.checkSessionOnReuse) return undefined;
    try {
      return (await client.getCheckoutSession(sessionId)).status;
    } catch (error) {
      resolved.onError(error, { orderId, request });
      return undefined;
    }
  }

  async function start(order: CheckoutOrder, request: TRequest): Promise<CheckoutResponse> {
    // A few rounds at most: a stored session Siglume reports over ends its attempt, or an attempt ended while
    // its session was created; the next round begins again. Past that the browser retries (202).
    for (let round = 0; round < 3; round++) {
      const begun = await orders.beginAttempt({ order, merchant, creationLeaseMs: resolved.creationLeaseMs });
      if (begun.state === "paid") return alreadyPaid;
      if (begun.state === "creating") return creating;
      if (begun.state === "create") {
        const answer = await createSession(order, begun, request);
        if (answer === AGAIN) continue;
        return answer;
      }
      const status = await liveStatus(begun.session.session_id, order.id, request);
      if (status === "paid") return paidAtSiglume;
      if (status === undefined || !SESSION_OVER.has(status)) return started(begun.session);
      await orders.markFailed(begun, { code: `SESSION_${status.toUpperCase()}`, retryable: false });
    }
    return creating;
  }

  async function handle(req: CheckoutStartRequest<TRequest>): Promise<CheckoutResponse> {
    if (req.method !== "POST") return methodNotAllowed;
    if (!isJsonContentType(req.header("content-type"))) return unsupportedMediaType;
    let body: unknown;
    try {
      body = await req.readBody(START_BODY_LIMIT);
    } catch (error) {
      if (!isSiglumeWebhookError(error)) throw error;
      return error.code === "BODY_TOO_LARGE"
        ? checkoutError("BODY_TOO_LARGE", `The start request is larger than ${START_BODY_LIMIT} bytes; send only {"order_id": "…"}.`)
        : checkoutError("INVALID_REQUEST_BODY", "The request body could not be read completely.");
    }
    const parsed = parseStartBody(body);
    if (!parsed.ok) return checkoutError("INVALID_REQUEST_BODY", `Malformed start request: ${parsed.problem}.`);

    const { orderId } = parsed;
    try {
      const order = await resolved.lookup(orderId, req.request);
      if (!order) return notFound;
      if (PAID_ORDER_STATUSES.has(order.status)) return alreadyPaid;
      return refusal(order)?.[1] ?? (await start(order, req.request));
    } catch (error) {
      resolved.onError(error, { orderId, request: req.request });
      return isCheckoutStoreUnavailableError(error) ? storeUnavailable : failed;
    }
  }

  return { options: resolved, handle };
}
