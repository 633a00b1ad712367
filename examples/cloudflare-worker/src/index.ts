// The demo shop as a Cloudflare Worker: Siglume webhooks and the checkout start route, built once per isolate at
// module scope from the Worker's bindings. Its orders and event records are in memory, so they live as long as
// one isolate: enough for `wrangler dev`, not for production (docs/cloudflare-workers.md: PostgreSQL through pg).
import { env } from "cloudflare:workers";
import {
  fulfilSiglumePayment,
  memoryOrderStore,
  siglumeCheckoutFetchHandler,
  siglumeFetchHandler,
  type MemoryOrder,
} from "@siglume-middleware/web";

/** What a Worker's fetch receives as its third argument; `waitUntil` keeps work alive past the answer. */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

// `wrangler deploy` replaces process.env.NODE_ENV with "production" and `wrangler dev` with "development": no
// `process` is needed at run time.
const production = process.env.NODE_ENV === "production";

/**
 * A binding's value. Unset: for `wrangler dev`, the value the local sandbox uses by default
 * (`npx siglume-webhooks sandbox --webhook-url http://127.0.0.1:3000/webhooks/siglume`); deployed, a refusal to start.
 */
function setting(name: string, sandboxValue: string): string {
  const value = env[name];
  if (value) return value;
  if (production) throw new Error(`[cloudflare-worker] refusing to start: ${name} is not set and NODE_ENV=production.`);
  return sandboxValue;
}

// The demo's orders (one Standard-priced, one Micro-priced), owned by the shopper "demo-shopper".
const DEMO_ORDERS: MemoryOrder[] = [
  { id: "ord_standard", amount_minor: 1200, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
  { id: "ord_micro", amount_minor: 300, currency: "JPY", status: "unpaid", owner: "demo-shopper" },
];
// Stand-in for your session: the shopper is whoever the x-demo-shopper header names.
const orders = memoryOrderStore<Request>({ orders: DEMO_ORDERS, owns: (order, request) => order.owner === request.headers.get("x-demo-shopper") });
// Your review record: payments not applied to an order, and events a person should look at.
const reviews: { eventId: string; reason: string }[] = [];

const webhooks = siglumeFetchHandler({
  webhookSecret: setting("SIGLUME_WEBHOOK_SECRET", "whsec_sandbox_local"),
  async onDirectPaymentConfirmed(payment, ctx) {
    // Applied once to the order whose checkout created the session, checked against it.
    const result = await fulfilSiglumePayment(orders, payment, ctx);
    if (result.status === "paid") return console.log(`[cloudflare-worker] order ${result.orderId} is paid`);
    if (result.status === "already_paid") return;
    reviews.push({ eventId: payment.event.id, reason: result.reason });
  },
  onReview(review) {
    reviews.push({ eventId: review.event.id, reason: review.reason });
  },
});

const checkout = siglumeCheckoutFetchHandler({
  orders,
  merchant: setting("SIGLUME_DIRECT_PAYMENT_MERCHANT", "sandbox_merchant"),
  merchantAuthToken: setting("SIGLUME_MERCHANT_AUTH_TOKEN", "sandbox_merchant_token"),
  // Unset in production: Siglume's own API.
  apiBase: env.SIGLUME_API_BASE || (production ? undefined : "http://127.0.0.1:8787/v1"),
  publicOrigin: setting("PUBLIC_ORIGIN", "http://localhost:3000"),
});

export default {
  async fetch(request: Request, bindings: unknown, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    // ctx is passed on: its waitUntil keeps a handler that outlives its answer running.
    if (url.pathname === "/webhooks/siglume") return webhooks(request, bindings, ctx);
    if (url.pathname === "/checkout/siglume/start") return checkout(request);
    if (url.pathname.startsWith("/orders/")) return Response.json(orders.get(url.pathname.slice("/orders/".length)) ?? null);
    if (url.pathname === "/reviews") return Response.json(reviews);
    if (url.pathname === "/checkout/siglume/success") {
      const order = url.searchParams.get("order_id") ?? "";
      return new Response(`<h1>Thank you</h1><p>order ${order.replace(/[^\w-]/g, "")}</p>`, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    return new Response("Not found", { status: 404 });
  },
};
