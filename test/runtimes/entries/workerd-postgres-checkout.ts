// A shop as a Worker with nodejs_compat whose orders, checkout attempts and event records are in PostgreSQL: the
// checkout start route and Siglume webhooks, every store built per request (a socket belongs to the request that
// opened it), the payment written in the webhook's transaction.
import { postgresIdempotencyStore, postgresOrderStore } from "@siglume-middleware/store-postgres";
import { fulfilSiglumePayment, siglumeCheckoutFetchHandler, siglumeFetchHandler } from "@siglume-middleware/web";

interface Env {
  DATABASE_URL: string;
  SIGLUME_WEBHOOK_SECRET: string;
  SIGLUME_API_BASE: string;
  SIGLUME_DIRECT_PAYMENT_MERCHANT: string;
  SIGLUME_MERCHANT_AUTH_TOKEN: string;
  PUBLIC_ORIGIN: string;
}
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const orders = postgresOrderStore<Request>({
      connectionString: env.DATABASE_URL,
      createTable: false,
      owns: (row, req) => row.owner === req.headers.get("x-shopper"),
    });
    const events = postgresIdempotencyStore({ connectionString: env.DATABASE_URL, createTable: false });
    const path = new URL(request.url).pathname;
    try {
      if (path === "/checkout/siglume/start") {
        return await siglumeCheckoutFetchHandler({
          orders,
          merchant: env.SIGLUME_DIRECT_PAYMENT_MERCHANT,
          merchantAuthToken: env.SIGLUME_MERCHANT_AUTH_TOKEN,
          apiBase: env.SIGLUME_API_BASE,
          publicOrigin: env.PUBLIC_ORIGIN,
        })(request);
      }
      return await siglumeFetchHandler({
        webhookSecret: env.SIGLUME_WEBHOOK_SECRET,
        idempotencyStore: events,
        async onDirectPaymentConfirmed(payment, context) {
          const result = await fulfilSiglumePayment(orders, payment, context);
          if (result.status === "mismatch") throw new Error(`payment for review: ${result.reason}`);
        },
        onReview() {},
      })(request, env, ctx);
    } finally {
      ctx.waitUntil(Promise.all([orders.close(), events.close()]));
    }
  },
};
