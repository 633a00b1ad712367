import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isCheckoutCurrency, isChargeableAmount } from "@siglume-middleware/checkout";
import { SANDBOX_WEBHOOK_SECRET } from "@siglume-middleware/core";
import { readRawBody } from "@siglume-middleware/core/node";
import { createDeliverer, type DeliverySchedule, type SandboxDelivery } from "./deliveries.js";
import {
  challengeHashFor,
  confirmationEvent,
  newRequirementId,
  newSessionId,
  publicSession,
  testDeliveryEvent,
  type SandboxSession,
} from "./events.js";
import { merchantAccount, readiness } from "./merchant.js";
import { checkoutPage } from "./page.js";

/**
 * The sandbox's fixed development settings (port, merchant, bearer token, public webhook secret, allowed origin):
 * what `siglume-webhooks sandbox` prints for your app's environment. For local development only: the secret is
 * public, and an app with `NODE_ENV=production` refuses it.
 */
export const SANDBOX_DEFAULTS = {
  port: 8787,
  merchant: "sandbox_merchant",
  merchantAuthToken: "sandbox_merchant_token",
  /** Public (an app with NODE_ENV=production refuses it): for local development only. */
  webhookSecret: SANDBOX_WEBHOOK_SECRET,
  origin: "http://localhost:3000",
} as const;

/**
 * Options of {@link startSiglumeSandbox}: where to deliver webhooks, the port, the allowed origins, the merchant's
 * settings and the retry schedule.
 */
export interface SiglumeSandboxOptions {
  /** Your app's webhook URL; with several, deliveries go to them in turn (like a load balancer). */
  webhookUrl: string | string[];
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Origins your success/cancel URLs may be on (checkout_allowed_origins). Default http://localhost:3000. */
  origin?: string | string[];
  /** The merchant key the sandbox accepts. Default `SANDBOX_DEFAULTS.merchant`. */
  merchant?: string;
  /** The bearer token the sandbox accepts. Default `SANDBOX_DEFAULTS.merchantAuthToken`. */
  merchantAuthToken?: string;
  /**
   * The secret webhooks are signed with. Default `SANDBOX_DEFAULTS.webhookSecret` (public: local development only).
   */
  webhookSecret?: string;
  /** Lifetime of a checkout session. Default 30 minutes. */
  sessionTtlMs?: number;
  /** False answers session creation 409 HOSTED_CHECKOUT_NOT_ENABLED and readiness not ready. Default true. */
  hostedCheckoutEnabled?: boolean;
  /**
   * A create with a nonce used before. "new-session" (default), as Siglume's reference sandbox does: every
   * create makes a new session with its own challenge. "same-session": a stricter Siglume that answers the
   * nonce's open session again for the same amount and currency, and 409 CHECKOUT_NONCE_ALREADY_USED
   * otherwise. A start route must keep one live session per order either way, by its own attempts.
   */
  repeatedNonce?: "new-session" | "same-session";
  /** Overrides of the webhook retry schedule. */
  delivery?: Partial<DeliverySchedule>;
  /** One line per webhook attempt and session change. Default: nothing. */
  log?: (line: string) => void;
}

/**
 * A running local Siglume sandbox (what {@link startSiglumeSandbox} resolves with): its URL and API base, the
 * environment for your app, what it recorded, and `close()`.
 */
export interface SiglumeSandbox {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The value for SIGLUME_API_BASE: `${url}/v1`. */
  apiBase: string;
  /**
   * The settings for your app and for Siglume's readiness command (`siglume-check verify --sandbox`):
   * SIGLUME_ENV=sandbox, SIGLUME_API_BASE, SIGLUME_MERCHANT_AUTH_TOKEN, SIGLUME_DIRECT_PAYMENT_MERCHANT,
   * SIGLUME_WEBHOOK_SECRET, SHOP_PUBLIC_ORIGIN (the first origin: the checkout's default publicOrigin) and
   * SHOP_WEBHOOK_URL (the first webhook URL).
   */
  env: Record<string, string>;
  /** The checkout sessions created so far, oldest first. */
  sessions(): SandboxSession[];
  /** Every webhook delivery attempt so far (event, URL, your app's status), oldest first. */
  deliveries(): SandboxDelivery[];
  /** Resolves once no webhook retry is pending. */
  idle(): Promise<void>;
  /** Stops the server and any pending webhook retries. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SUBSCRIPTION_ID = "whsub_sandbox_local";
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function originOf(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute URL, got ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    throw new TypeError(`${name} must be https, or http on localhost/127.0.0.1, got ${JSON.stringify(value)}.`);
  }
  return url.origin;
}

function send(res: ServerResponse, status: number, body: unknown, type = "application/json"): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store" });
  res.end(text);
}

let requestCounter = 0;
const ok = (res: ServerResponse, status: number, data: unknown) =>
  send(res, status, { data, meta: { request_id: `req_sbx_${++requestCounter}`, trace_id: `trc_sbx_${requestCounter}` } });

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await readRawBody(req, 64 * 1024, req.headers["content-length"]);
  } catch {
    throw new HttpError(400, "INVALID_REQUEST_BODY", "The request body could not be read or is larger than 64 KiB.");
  }
  if (raw.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new HttpError(400, "INVALID_JSON", "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "INVALID_REQUEST_BODY", "The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/**
 * A local Siglume-compatible merchant API: the paths and envelopes of Siglume's (`{data, meta}`,
 * `{error: {code, message}}`), a hosted page at /pay/{session_id}, and signed `direct_payment.confirmed`
 * deliveries to your app with Siglume-like retries. Nothing leaves the machine; nothing is charged.
 */
export async function startSiglumeSandbox(options: SiglumeSandboxOptions): Promise<SiglumeSandbox> {
  const webhookUrls = [options.webhookUrl].flat();
  if (webhookUrls.length === 0) throw new TypeError("webhookUrl is required: your app's Siglume webhook URL.");
  webhookUrls.forEach((url) => originOf(url, "webhookUrl"));
  const origins = new Set([options.origin ?? SANDBOX_DEFAULTS.origin].flat().map((o) => originOf(o, "origin")));
  const merchant = options.merchant ?? SANDBOX_DEFAULTS.merchant;
  const token = options.merchantAuthToken ?? SANDBOX_DEFAULTS.merchantAuthToken;
  const secret = options.webhookSecret ?? SANDBOX_DEFAULTS.webhookSecret;
  const ttlMs = options.sessionTtlMs ?? 30 * 60 * 1000;
  const hostedCheckoutEnabled = options.hostedCheckoutEnabled ?? true;
  const repeatedNonce = options.repeatedNonce ?? "new-session";
  if (repeatedNonce !== "new-session" && repeatedNonce !== "same-session") {
    throw new TypeError(`repeatedNonce must be "new-session" or "same-session", got ${JSON.stringify(repeatedNonce)}.`);
  }
  const log = options.log ?? (() => {});
  const deliverer = createDeliverer({
    urls: webhookUrls,
    secret,
    subscriptionId: SUBSCRIPTION_ID,
    schedule: { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 10_000, ...options.delivery },
    log,
  });
  const sessions = new Map<string, SandboxSession>();
  const byNonce = new Map<string, SandboxSession>();
  let base = "";

  const current = (session: SandboxSession): SandboxSession => {
    if (session.status === "open" && Date.parse(session.expires_at) <= Date.now()) session.status = "expired";
    return session;
  };
  const sessionOr404 = (sessionId: string): SandboxSession => {
    const session = sessions.get(sessionId);
    if (!session) throw new HttpError(404, "CHECKOUT_SESSION_NOT_FOUND", `No sandbox checkout session ${sessionId}.`);
    return current(session);
  };
  const redirect = (url: string, sessionId: string) => {
    const target = new URL(url);
    target.searchParams.set("session_id", sessionId);
    return target.href;
  };

  function requireAuth(req: IncomingMessage): void {
    if (req.headers.authorization !== `Bearer ${token}`) {
      throw new HttpError(
        401,
        "UNAUTHENTICATED",
        "Missing or wrong merchant token: send Authorization: Bearer <SIGLUME_MERCHANT_AUTH_TOKEN> (the sandbox prints it).",
      );
    }
  }
  function requireMerchant(name: unknown): void {
    if (name !== merchant) {
      throw new HttpError(404, "EXTERNAL_402_MERCHANT_NOT_FOUND", `The sandbox merchant is ${JSON.stringify(merchant)}, not ${JSON.stringify(name)}.`);
    }
  }
  function returnUrl(value: unknown, name: string): string {
    const invalid = (why: string) => new HttpError(400, "INVALID_CHECKOUT_SESSION_REQUEST", `${name} ${why}`);
    if (typeof value !== "string") throw invalid("is required.");
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid("must be an absolute URL.");
    }
    if (!origins.has(url.origin)) {
      throw invalid(`is on ${url.origin}, which is not registered for ${merchant} (registered: ${[...origins].join(", ")}); start the sandbox with --origin ${url.origin}.`);
    }
    return url.href;
  }

  function createSession(body: Record<string, unknown>): { status: number; session: SandboxSession } {
    requireMerchant(body.merchant);
    if (!hostedCheckoutEnabled) {
      throw new HttpError(409, "HOSTED_CHECKOUT_NOT_ENABLED", "Hosted Checkout is not enabled for this merchant (sandbox started with it off).");
    }
    const invalid = (message: string) => new HttpError(400, "INVALID_CHECKOUT_SESSION_REQUEST", message);
    const { amount_minor: amount, currency, nonce, metadata } = body;
    if (!isChargeableAmount(amount)) throw invalid("amount_minor must be a positive whole number of minor units.");
    if (!isCheckoutCurrency(currency)) throw invalid("currency must be JPY or USD.");
    if (typeof nonce !== "string" || nonce.trim() === "" || nonce.includes(":") || nonce.length > 200) {
      throw invalid("nonce must be a non-empty string of at most 200 characters without ':'.");
    }
    if (metadata !== undefined && (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))) {
      throw invalid("metadata must be a JSON object.");
    }
    const successUrl = returnUrl(body.success_url, "success_url");
    const cancelUrl = returnUrl(body.cancel_url, "cancel_url");
    const existing = byNonce.get(nonce);
    if (existing && repeatedNonce === "same-session") {
      if (current(existing).status === "open" && existing.amount_minor === amount && existing.currency === currency) {
        return { status: 201, session: existing };
      }
      throw new HttpError(409, "CHECKOUT_NONCE_ALREADY_USED", `The nonce was used for a session that is ${existing.status} or for another amount; start a new attempt with a new nonce.`);
    }
    const sessionId = newSessionId();
    const session: SandboxSession = {
      session_id: sessionId,
      merchant,
      amount_minor: amount,
      currency,
      token_symbol: currency === "USD" ? "USDC" : "JPYC",
      nonce,
      status: "open",
      challenge_hash: challengeHashFor(merchant, nonce, sessionId),
      checkout_url: `${base}/pay/${sessionId}`,
      success_url: successUrl,
      cancel_url: cancelUrl,
      metadata_jsonb: (metadata as Record<string, unknown> | undefined) ?? {},
      requirement_id: null,
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + ttlMs).toISOString(),
      paid_at: null,
      cancelled_at: null,
    };
    sessions.set(sessionId, session);
    if (!existing) byNonce.set(nonce, session);
    log(`session ${sessionId} created: ${currency} ${amount}${existing ? " (a nonce used before: a new session, as Siglume's reference sandbox makes)" : ""}`);
    return { status: 201, session };
  }

  /** What each session's first confirm answered (or will, while it delivers): a later confirm answers it again. */
  const confirmations = new Map<string, Promise<Record<string, unknown>>>();

  /** The first confirm pays and delivers; a later one answers the first result again and sends nothing. */
  function confirm(session: SandboxSession): Promise<Record<string, unknown>> {
    const first = confirmations.get(session.session_id);
    if (first) return first;
    if (session.status !== "open") {
      throw new HttpError(409, "CHECKOUT_SESSION_NOT_OPEN", `This session is ${session.status}; it can no longer be paid.`);
    }
    session.status = "paid";
    session.paid_at = new Date().toISOString();
    session.requirement_id = newRequirementId();
    const event = confirmationEvent(session);
    session.confirmation = { event, body: Buffer.from(JSON.stringify(event)) };
    log(`session ${session.session_id} paid: event ${event.id}`);
    const answer = deliverer.deliver(event, session.confirmation.body).then((delivery) => ({
      status: "paid",
      redirect_url: redirect(session.success_url, session.session_id),
      event: { id: event.id, type: event.type },
      delivery_status: delivery.delivery_status,
      response_status: delivery.response_status,
    }));
    confirmations.set(session.session_id, answer);
    return answer;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", base);
    const path = url.pathname;
    const method = req.method ?? "GET";
    let match: RegExpMatchArray | null;

    if (method === "GET" && (match = path.match(/^\/pay\/([^/]+)$/))) {
      const session = sessions.get(decodeURIComponent(match[1]!));
      if (!session) return send(res, 404, "<!doctype html><title>Not found</title><h1>No such sandbox checkout session</h1>", "text/html");
      return send(res, 200, checkoutPage(current(session)), "text/html");
    }
    if (method === "POST" && (match = path.match(/^\/v1\/sandbox\/checkout-sessions\/([^/]+)\/(confirm|cancel|redeliver)$/))) {
      const session = sessionOr404(decodeURIComponent(match[1]!));
      const action = match[2];
      if (action === "confirm") return ok(res, 200, await confirm(session));
      if (action === "cancel") {
        if (session.status !== "open" && session.status !== "cancelled") {
          throw new HttpError(409, "CHECKOUT_SESSION_NOT_OPEN", `This session is ${session.status}; it cannot be cancelled.`);
        }
        session.status = "cancelled";
        session.cancelled_at ??= new Date().toISOString();
        return ok(res, 200, { status: "cancelled", redirect_url: redirect(session.cancel_url, session.session_id) });
      }
      if (!session.confirmation) {
        throw new HttpError(409, "CHECKOUT_SESSION_NOT_CONFIRMED", "Confirm the sandbox checkout before redelivering its webhook.");
      }
      const { event, body } = session.confirmation;
      const delivery = await deliverer.deliver(event, body, { retry: false });
      const delivered = delivery.delivery_status === "delivered";
      return ok(res, delivered ? 200 : 502, { redelivered: true, event: { id: event.id, type: event.type }, delivery_status: delivery.delivery_status, response_status: delivery.response_status });
    }

    if (!path.startsWith("/v1/sdrp/") && !path.startsWith("/v1/market/")) {
      throw new HttpError(404, "SANDBOX_ROUTE_NOT_FOUND", `The sandbox has no route ${method} ${path}.`);
    }
    requireAuth(req);
    if (method === "POST" && path === "/v1/sdrp/direct-payments/checkout-sessions") {
      const { status, session } = createSession(await readJson(req));
      const { checkout_url, session_id, challenge_hash, expires_at } = session;
      return ok(res, status, { checkout_url, session_id, challenge_hash, status: session.status, expires_at });
    }
    if (method === "GET" && (match = path.match(/^\/v1\/sdrp\/direct-payments\/checkout-sessions\/([^/]+)$/))) {
      return ok(res, 200, publicSession(sessionOr404(decodeURIComponent(match[1]!))));
    }
    if (method === "GET" && (match = path.match(/^\/v1\/sdrp\/direct-payments\/merchants\/([^/]+)(\/readiness)?$/))) {
      requireMerchant(decodeURIComponent(match[1]!));
      if (match[2]) return ok(res, 200, { standard_hosted_checkout_readiness: readiness(hostedCheckoutEnabled) });
      return ok(res, 200, merchantAccount(merchant, [...origins], webhookUrls[0]!));
    }
    if (method === "GET" && path === "/v1/market/webhooks/subscriptions") {
      return ok(res, 200, [{ id: SUBSCRIPTION_ID, callback_url: webhookUrls[0], status: "active", event_types: ["direct_payment.confirmed", "direct_payment.spent"], signing_secret_hint: secret.slice(-4), metadata: { environment: "sandbox" } }]);
    }
    if (method === "POST" && path === "/v1/market/webhooks/test-deliveries") {
      const body = await readJson(req);
      if (typeof body.event_type !== "string" || body.event_type.trim() === "") {
        throw new HttpError(400, "INVALID_REQUEST", "event_type is required, e.g. direct_payment.confirmed.");
      }
      const ids = body.subscription_ids;
      if (ids !== undefined && (!Array.isArray(ids) || !ids.includes(SUBSCRIPTION_ID))) {
        throw new HttpError(404, "WEBHOOK_SUBSCRIPTION_NOT_FOUND", `The sandbox has one subscription: ${SUBSCRIPTION_ID}.`);
      }
      const data = typeof body.data === "object" && body.data !== null && !Array.isArray(body.data) ? (body.data as Record<string, unknown>) : {};
      const event = testDeliveryEvent(body.event_type, data);
      const delivery = await deliverer.deliver(event, Buffer.from(JSON.stringify(event)));
      return ok(res, 201, { queued: true, event: { id: event.id, type: event.type }, delivery_status: delivery.delivery_status, response_status: delivery.response_status });
    }
    if (method === "GET" && path === "/v1/market/webhooks/deliveries") {
      const type = url.searchParams.get("event_type");
      const subscription = url.searchParams.get("subscription_id");
      const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 50) || 50, 1), 100);
      const listed = deliverer.records.filter((d) => (!type || d.event_type === type) && (!subscription || d.subscription_id === subscription));
      return ok(res, 200, listed.slice(0, limit));
    }
    throw new HttpError(404, "SANDBOX_ROUTE_NOT_FOUND", `The sandbox has no route ${method} ${path}.`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return send(res, error.status, { error: { code: error.code, message: error.message } });
      log(`internal error: ${(error as Error).message}`);
      send(res, 500, { error: { code: "SANDBOX_INTERNAL_ERROR", message: "The sandbox failed; see its output." } });
    });
  });
  server.listen(options.port ?? SANDBOX_DEFAULTS.port, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    apiBase: `${base}/v1`,
    env: {
      SIGLUME_ENV: "sandbox",
      SIGLUME_API_BASE: `${base}/v1`,
      SIGLUME_MERCHANT_AUTH_TOKEN: token,
      SIGLUME_DIRECT_PAYMENT_MERCHANT: merchant,
      SIGLUME_WEBHOOK_SECRET: secret,
      SHOP_PUBLIC_ORIGIN: [...origins][0]!,
      SHOP_WEBHOOK_URL: webhookUrls[0]!,
    },
    sessions: () => [...sessions.values()].map((s) => ({ ...s })),
    deliveries: () => deliverer.records.map((d) => ({ ...d })),
    idle: () => deliverer.idle(),
    async close() {
      deliverer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
