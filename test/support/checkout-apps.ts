// A small shop per adapter for the checkout conformance suite: the webhook route and a public success
// page first, then the app's own "auth" middleware (x-shopper header → request.shopper; no header → 401)
// and body parser, then the checkout start route. The webhook side applies payments with
// fulfilSiglumePayment.
import "reflect-metadata";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { bodyParser as koaBodyParser } from "@koa/bodyparser";
import { Controller, Get, Injectable, Module, Query, UnauthorizedException, type CanActivate, type ExecutionContext } from "@nestjs/common";
import { APP_GUARD, NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import {
  memoryOrderStore,
  fulfilSiglumePayment,
  type FulfilmentResult,
  type MemoryOrderStore,
  type SiglumeCheckoutOptions,
  type SiglumeOrderStore,
} from "@siglume-middleware/checkout";
import type { IdempotencyStore, MeteredConfirmation, SiglumeContext, SiglumeReview, StandardSettled } from "@siglume-middleware/core";
import { siglumeCheckoutRouter, siglumeRouter } from "@siglume-middleware/express";
import { siglumeCheckoutPlugin, siglumePlugin } from "@siglume-middleware/fastify";
import { siglumeCheckoutMiddleware, siglumeMiddleware } from "@siglume-middleware/koa";
import { OnDirectPaymentConfirmed, OnSiglumeReview, SiglumeCheckoutModule, SiglumeModule } from "@siglume-middleware/nestjs";
import { startSiglumeSandbox, type SiglumeSandbox, type SiglumeSandboxOptions } from "@siglume-middleware/sandbox";
import { freePort } from "./servers.js";
import { Hono } from "hono";
import { siglumeCheckoutMiddleware as honoCheckout, siglumeMiddleware as honoWebhooks } from "@siglume-middleware/hono";
import { siglumeCheckoutFetchHandler, siglumeFetchHandler } from "@siglume-middleware/web";
import { selectTargets, serveFetch } from "./web-apps.js";

/** Where every fixture's auth middleware puts the signed-in shopper. */
export const shopperOf = (request: unknown): string | undefined => {
  const r = request as { shopper?: string; state?: { shopper?: string }; var?: { shopper?: string } };
  return r.shopper ?? r.state?.shopper ?? r.var?.shopper; // Hono keeps it in c.var
};

export interface ShopOptions {
  orders: SiglumeOrderStore;
  webhookSecret: string;
  /** Default: the in-memory one. */
  idempotencyStore?: IdempotencyStore;
  allowMeteredPayments?: boolean;
  /** Checkout options beside orders/publicOrigin/allowMeteredPayments (apiBase, token, merchant, …). */
  checkout: Omit<SiglumeCheckoutOptions, "orders" | "publicOrigin" | "allowMeteredPayments">;
}

export interface RunningShop {
  url: string;
  webhookUrl: string;
  /** What the webhook handler did with each confirmed payment, and what went to review. */
  fulfilments: FulfilmentResult[];
  reviews: { eventId: string; reason: string }[];
  close(): Promise<void>;
}

export interface ShopFixture {
  name: string;
  /** Builds and starts the shop on `port` (its publicOrigin is http://127.0.0.1:<port>). */
  start(port: number, options: ShopOptions): Promise<Omit<RunningShop, "url" | "webhookUrl">>;
}

/** The webhook side every shop shares: apply the payment once, send mismatches to review. */
function paymentHandlers(options: ShopOptions, fulfilments: FulfilmentResult[], reviews: RunningShop["reviews"]) {
  return {
    async confirmed(payment: StandardSettled | MeteredConfirmation, ctx: SiglumeContext) {
      if (payment.kind === "metered_batch_settled") return void reviews.push({ eventId: payment.event.id, reason: "metered_batch_settled" });
      const result = await fulfilSiglumePayment(options.orders, payment, ctx);
      fulfilments.push(result);
      if (result.status === "mismatch") reviews.push({ eventId: payment.event.id, reason: result.reason });
    },
    review(review: SiglumeReview) {
      reviews.push({ eventId: review.event.id, reason: review.reason });
    },
  };
}

const successPage = async (orders: SiglumeOrderStore, orderId: unknown) =>
  `<!doctype html><title>Thank you</title><h1 id="thanks">Thank you</h1><p id="order-status">${(await orders.findOrder?.(String(orderId)))?.status ?? "unknown"}</p>`;

/** The webhook route's options: the shared payment handlers, and the shop's idempotency store. */
const webhookOptions = (options: ShopOptions, handlers: ReturnType<typeof paymentHandlers>) => ({
  webhookSecret: options.webhookSecret,
  allowMeteredPayments: options.allowMeteredPayments,
  idempotencyStore: options.idempotencyStore,
  onDirectPaymentConfirmed: handlers.confirmed,
  onReview: handlers.review,
});

async function listenOn(server: Server): Promise<() => Promise<void>> {
  if (!server.listening) await once(server, "listening");
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one store serves every framework's request type
function checkoutOptions(port: number, options: ShopOptions): SiglumeCheckoutOptions<any> {
  return {
    ...options.checkout,
    orders: options.orders,
    publicOrigin: `http://127.0.0.1:${port}`,
    allowMeteredPayments: options.allowMeteredPayments ?? false,
    onError: () => {},
  };
}

const expressShop: ShopFixture = {
  name: "express",
  async start(port, options) {
    const fulfilments: FulfilmentResult[] = [];
    const reviews: RunningShop["reviews"] = [];
    const handlers = paymentHandlers(options, fulfilments, reviews);
    const app = express();
    app.use(siglumeRouter(webhookOptions(options, handlers)));
    app.get("/checkout/siglume/success", async (req, res) => void res.type("html").send(await successPage(options.orders, req.query.order_id)));
    app.use((req, res, next) => {
      const shopper = req.get("x-shopper");
      if (!shopper) return void res.status(401).json({ error: "sign in first" });
      (req as unknown as { shopper: string }).shopper = shopper;
      next();
    });
    app.use(express.json());
    app.use(siglumeCheckoutRouter(checkoutOptions(port, options)));
    // The app's own error handler (express.json()'s parse errors end here): quiet, JSON.
    app.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(error.status ?? 500).json({ error: "bad request" });
    });
    const close = await listenOn(app.listen(port, "127.0.0.1"));
    return { fulfilments, reviews, close };
  },
};

const fastifyShop: ShopFixture = {
  name: "fastify",
  async start(port, options) {
    const fulfilments: FulfilmentResult[] = [];
    const reviews: RunningShop["reviews"] = [];
    const handlers = paymentHandlers(options, fulfilments, reviews);
    const app = Fastify();
    await app.register(siglumePlugin, webhookOptions(options, handlers));
    await app.register(async (shop) => {
      shop.decorateRequest("shopper", undefined);
      shop.addHook("onRequest", async (request, reply) => {
        const shopper = request.headers["x-shopper"];
        if (typeof shopper !== "string") return reply.code(401).send({ error: "sign in first" });
        (request as unknown as { shopper: string }).shopper = shopper;
      });
      await shop.register(siglumeCheckoutPlugin, checkoutOptions(port, options));
    });
    app.get("/checkout/siglume/success", async (request, reply) =>
      reply.type("text/html").send(await successPage(options.orders, (request.query as { order_id?: string }).order_id)),
    );
    await app.listen({ port, host: "127.0.0.1" });
    return { fulfilments, reviews, close: () => app.close() };
  },
};

const koaShop: ShopFixture = {
  name: "koa",
  async start(port, options) {
    const fulfilments: FulfilmentResult[] = [];
    const reviews: RunningShop["reviews"] = [];
    const handlers = paymentHandlers(options, fulfilments, reviews);
    const app = new Koa();
    app.silent = true; // @koa/bodyparser's parse errors are answered 400; no stack traces in the test log
    app.use(siglumeMiddleware(webhookOptions(options, handlers)));
    app.use(async (ctx, next) => {
      if (ctx.path !== "/checkout/siglume/success") return next();
      ctx.type = "html";
      ctx.body = await successPage(options.orders, ctx.query.order_id);
    });
    app.use(async (ctx, next) => {
      const shopper = ctx.get("x-shopper");
      if (!shopper) {
        ctx.status = 401;
        ctx.body = { error: "sign in first" };
        return;
      }
      ctx.state.shopper = shopper;
      await next();
    });
    app.use(koaBodyParser());
    app.use(siglumeCheckoutMiddleware(checkoutOptions(port, options)));
    const close = await listenOn(app.listen(port, "127.0.0.1"));
    return { fulfilments, reviews, close };
  },
};

/** The app's own guard: a global APP_GUARD, so it applies to the checkout module's controller too. */
@Injectable()
class ShopperGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; url: string; shopper?: string }>();
    if (request.url.startsWith("/webhooks/") || request.url.startsWith("/checkout/siglume/success")) return true;
    const shopper = request.headers["x-shopper"];
    if (!shopper) throw new UnauthorizedException("sign in first");
    request.shopper = shopper;
    return true;
  }
}

function nestShop(platform: "express" | "fastify"): ShopFixture {
  return {
    name: `nestjs-${platform}`,
    async start(port, options) {
      const fulfilments: FulfilmentResult[] = [];
      const reviews: RunningShop["reviews"] = [];
      const handlers = paymentHandlers(options, fulfilments, reviews);

      @Injectable()
      class Billing {
        @OnDirectPaymentConfirmed()
        confirmed(payment: StandardSettled | MeteredConfirmation, ctx: SiglumeContext) {
          return handlers.confirmed(payment, ctx);
        }
        @OnSiglumeReview()
        review(review: SiglumeReview) {
          return handlers.review(review);
        }
      }
      @Controller()
      class Pages {
        @Get("checkout/siglume/success")
        success(@Query("order_id") orderId: string) {
          return successPage(options.orders, orderId);
        }
      }
      @Module({
        imports: [
          SiglumeModule.forRoot({ webhookSecret: options.webhookSecret, allowMeteredPayments: options.allowMeteredPayments, idempotencyStore: options.idempotencyStore }),
          SiglumeCheckoutModule.forRootAsync({ useFactory: () => checkoutOptions(port, options) }),
        ],
        controllers: [Pages],
        providers: [Billing, { provide: APP_GUARD, useClass: ShopperGuard }],
      })
      class ShopModule {}
      const adapter = platform === "express" ? new ExpressAdapter() : new FastifyAdapter();
      const app = await NestFactory.create(ShopModule, adapter, { rawBody: true, logger: false });
      await app.listen(port, "127.0.0.1");
      return { fulfilments, reviews, close: () => app.close() };
    },
  };
}

/** Fetch handlers composed by hand, as a Next.js app's route files or a Worker's router would. */
const fetchShop: ShopFixture = {
  name: "fetch",
  async start(port, options) {
    const fulfilments: FulfilmentResult[] = [];
    const reviews: RunningShop["reviews"] = [];
    const handlers = paymentHandlers(options, fulfilments, reviews);
    const webhooks = siglumeFetchHandler(webhookOptions(options, handlers));
    const start = siglumeCheckoutFetchHandler(checkoutOptions(port, options));
    const app = await serveFetch(async (request) => {
      const url = new URL(request.url);
      if (url.pathname.startsWith("/webhooks/")) return webhooks(request);
      if (url.pathname === "/checkout/siglume/success") {
        return new Response(await successPage(options.orders, url.searchParams.get("order_id")), { headers: { "content-type": "text/html" } });
      }
      const shopper = request.headers.get("x-shopper");
      if (!shopper) return Response.json({ error: "sign in first" }, { status: 401 });
      (request as Request & { shopper: string }).shopper = shopper;
      return start(request);
    }, port);
    return { fulfilments, reviews, close: app.close };
  },
};

const honoShop: ShopFixture = {
  name: "hono",
  async start(port, options) {
    const fulfilments: FulfilmentResult[] = [];
    const reviews: RunningShop["reviews"] = [];
    const handlers = paymentHandlers(options, fulfilments, reviews);
    const app = new Hono<{ Variables: { shopper: string } }>();
    app.use(honoWebhooks(webhookOptions(options, handlers)));
    app.get("/checkout/siglume/success", async (c) => c.html(await successPage(options.orders, c.req.query("order_id"))));
    app.use(async (c, next) => {
      const shopper = c.req.header("x-shopper");
      if (!shopper) return c.json({ error: "sign in first" }, 401);
      c.set("shopper", shopper);
      await next();
    });
    app.use(honoCheckout(checkoutOptions(port, options)));
    const running = await serveFetch(app.fetch, port);
    return { fulfilments, reviews, close: running.close };
  },
};

export const shops: ShopFixture[] = selectTargets([
  expressShop,
  fastifyShop,
  koaShop,
  nestShop("express"),
  nestShop("fastify"),
  fetchShop,
  honoShop,
]);

export interface ShopWithSandbox {
  shop: RunningShop;
  sandbox: SiglumeSandbox;
  orders: MemoryOrderStore;
  close(): Promise<void>;
}

/**
 * A shop on a free port with its own in-memory orders (owned by `owner` === the x-shopper header) and its
 * own sandbox, which delivers to the shop's webhook and accepts its origin for return URLs.
 */
export async function startShopWithSandbox(
  fixture: ShopFixture,
  { allowMeteredPayments = false, sandbox: sandboxOptions = {}, checkout = {} }: {
    allowMeteredPayments?: boolean;
    sandbox?: Partial<SiglumeSandboxOptions>;
    checkout?: Partial<ShopOptions["checkout"]>;
  } = {},
): Promise<ShopWithSandbox> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const orders = memoryOrderStore({ owns: (order, request) => order.owner === shopperOf(request) });
  const sandbox = await startSiglumeSandbox({
    webhookUrl: `${url}/webhooks/siglume`,
    port: 0,
    origin: url,
    delivery: { baseDelayMs: 20, maxDelayMs: 200 },
    ...sandboxOptions,
  });
  const running = await fixture.start(port, {
    orders,
    webhookSecret: sandbox.env.SIGLUME_WEBHOOK_SECRET!,
    allowMeteredPayments,
    checkout: {
      merchant: sandbox.env.SIGLUME_DIRECT_PAYMENT_MERCHANT,
      apiBase: sandbox.apiBase,
      merchantAuthToken: sandbox.env.SIGLUME_MERCHANT_AUTH_TOKEN,
      ...checkout,
    },
  });
  const shop = { ...running, url, webhookUrl: `${url}/webhooks/siglume` };
  return {
    shop,
    sandbox,
    orders,
    async close() {
      await sandbox.close();
      await shop.close();
    },
  };
}

/** POSTs a start request as a shopper's browser would. */
export function startCheckout(shop: RunningShop, body: unknown, { shopper = "alice", contentType = "application/json", method = "POST", path = "/checkout/siglume/start" } = {}) {
  return fetch(`${shop.url}${path}`, {
    method,
    headers: { "content-type": contentType, ...(shopper ? { "x-shopper": shopper } : {}) },
    body: method === "GET" || method === "HEAD" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}
