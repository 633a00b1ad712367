// The packaging test's web-standard app, as a Cloudflare Worker (or a Deno, Bun or Next.js edge user) writes
// it: compiled without Node's types (lib ES2022 + DOM only), it uses every fetch handler and Hono middleware
// with every provider. A Worker-style module: `fetch(request, env, ctx)`, the handlers built on the first
// request from `env`. The test serves it on Node (fetch-server.mjs) and posts signed deliveries to
// /webhooks/siglume; it prints a line per handled event.
import { Hono, type Context } from "hono";
import { adyenAuthenticationWebhooks } from "@siglume-middleware/adyen";
import { clearTxWebhooks, type ClearTxVerifyInput } from "@siglume-middleware/cleartx";
import { siglumeCheckoutMiddleware, siglumeMiddleware, webhookMiddleware } from "@siglume-middleware/hono";
import { pomeloWebhooks } from "@siglume-middleware/pomelo";
import { standardWebhooks } from "@siglume-middleware/standard-webhooks";
import {
  fulfilSiglumePayment,
  memoryOrderStore,
  siglumeCheckoutFetchHandler,
  siglumeFetchHandler,
  webhookFetchHandler,
  type FetchHandler,
  type MemoryOrder,
} from "@siglume-middleware/web";

/** A Worker's bindings (vars and secrets). */
type Env = Record<string, string | undefined>;
/** What a Worker's fetch receives as its third argument (as @cloudflare/workers-types declares it). */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  props: unknown;
}

const ORDERS: MemoryOrder[] = [{ id: "ord_1", amount_minor: 1200, currency: "JPY", status: "unpaid", owner: "shopper" }];

/** ClearTX's check, through WebCrypto: an HMAC-SHA256 of the raw body in x-signature (the shape only). */
function clearTxVerifier(key: string) {
  const imported = crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return async function verify<T>({ rawBody, header }: ClearTxVerifyInput<T>): Promise<boolean> {
    const hex = header("x-signature") ?? "";
    const given = new Uint8Array((hex.match(/../g) ?? []).map((byte) => parseInt(byte, 16)));
    // A copy: under TypeScript 5.7+ WebCrypto takes a Uint8Array<ArrayBuffer>, rawBody is a Uint8Array.
    return crypto.subtle.verify("HMAC", await imported, given, new Uint8Array(rawBody));
  };
}

function providers<T>(env: Env, prefix: string) {
  return [
    adyenAuthenticationWebhooks<T>({
      path: `${prefix}/webhooks/adyen/authentication`,
      hmacKey: env.ADYEN_HMAC_KEY ?? "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
      basicAuth: false,
      async onRelayedAuthentication(request, ctx) {
        return request.purchase.originalAmount.value <= 50_000 && Date.now() < ctx.deadline ? "proceed" : "refused";
      },
      onAuthenticationResult(notification) {
        console.log(`authentication ${notification.data.id}`);
      },
    }),
    pomeloWebhooks<T>({
      apiKeys: [{ key: env.POMELO_API_KEY ?? "pomelo-key", secret: env.POMELO_API_SECRET ?? "c2VjcmV0LXNlY3JldC1zZWNyZXQ=" }],
      paths: { tokens: `${prefix}/webhooks/pomelo/tokens`, otp: `${prefix}/webhooks/pomelo/otp` },
      onTokenEvent(event) {
        console.log(`token ${event.tokenId}: ${event.status}`);
      },
      onOtp(otp) {
        console.log(`otp by ${otp.method}`);
      },
      onReview(review) {
        console.log(`pomelo review ${review.reason}`);
      },
    }),
    clearTxWebhooks<T>({
      basePath: `${prefix}/v1/notify`,
      verify: clearTxVerifier(env.CLEARTX_VERIFY_KEY ?? "cleartx-key"),
      onNotification(notification) {
        console.log(`cleartx ${notification.transactionRef}: ${notification.status}`);
      },
      onConfirmedData(data) {
        console.log(`cleartx data ${data.transactionRef}`);
      },
      onReview(review) {
        console.log(`cleartx review ${review.reason}`);
      },
    }),
    standardWebhooks<T>({
      name: "resend",
      path: `${prefix}/webhooks/resend`,
      secret: env.RESEND_WEBHOOK_SECRET ?? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      onEvent(event, ctx) {
        console.log(`resend ${ctx.eventId}: ${JSON.stringify(event).length}`);
      },
    }),
  ] as const;
}

function fetchHandlers(env: Env) {
  const orders = memoryOrderStore<Request>({ orders: ORDERS, owns: (order, request) => order.owner === request.headers.get("x-shopper") });
  const routes: Record<string, FetchHandler> = {
    "/webhooks/siglume": siglumeFetchHandler({
      webhookSecret: env.SIGLUME_WEBHOOK_SECRET,
      async onDirectPaymentConfirmed(payment, ctx) {
        const result = await fulfilSiglumePayment(orders, payment, ctx);
        console.log(`paid ${payment.challenge_hash} (${result.status}, ${ctx.request.method})`);
      },
      onReview(review) {
        console.log(`review ${review.reason}`);
      },
    }),
    "/checkout/siglume/start": siglumeCheckoutFetchHandler({
      orders,
      merchant: env.SIGLUME_DIRECT_PAYMENT_MERCHANT ?? "merchant",
      merchantAuthToken: env.SIGLUME_MERCHANT_AUTH_TOKEN ?? "token",
      publicOrigin: env.PUBLIC_ORIGIN ?? "http://127.0.0.1",
    }),
  };
  for (const provider of providers<Request>(env, "")) {
    const handler = webhookFetchHandler(provider);
    for (const route of provider.routes) routes[route.path] = handler;
  }
  return routes;
}

function honoApp(env: Env): Hono {
  const app = new Hono();
  const orders = memoryOrderStore<Context>({ orders: ORDERS, owns: (order, c) => order.owner === c.req.header("x-shopper") });
  app.use(
    siglumeMiddleware({
      path: "/hono/webhooks/siglume",
      webhookSecret: env.SIGLUME_WEBHOOK_SECRET,
      async onDirectPaymentConfirmed(payment, ctx) {
        await fulfilSiglumePayment(orders, payment, ctx);
        console.log(`hono paid ${payment.challenge_hash} (${ctx.request.req.path})`);
      },
      onReview(review) {
        console.log(`hono review ${review.reason}`);
      },
    }),
  );
  app.use(
    siglumeCheckoutMiddleware({
      path: "/hono/checkout/siglume/start",
      orders,
      merchant: env.SIGLUME_DIRECT_PAYMENT_MERCHANT ?? "merchant",
      merchantAuthToken: env.SIGLUME_MERCHANT_AUTH_TOKEN ?? "token",
      publicOrigin: env.PUBLIC_ORIGIN ?? "http://127.0.0.1",
    }),
  );
  for (const provider of providers<Context>(env, "/hono")) app.use(webhookMiddleware(provider));
  return app;
}

let built: { routes: Record<string, FetchHandler>; hono: Hono } | undefined;

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    built ??= { routes: fetchHandlers(env), hono: honoApp(env) };
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/hono/")) return Promise.resolve(built.hono.fetch(request, env, ctx));
    const handler = built.routes[pathname];
    return handler ? handler(request, env, ctx) : Promise.resolve(new Response("Not found", { status: 404 }));
  },
};
