// One Adyen benchmark server process: FRAMEWORK=express|fastify|koa|nestjs, VARIANT=
//   ours         adyenAuthenticationWebhooks on the adapter's generic mount, in-memory store, a handler
//                that decides at once;
//   handwritten  the shortest correct route: Basic auth, HMAC over the raw bytes, JSON.parse, answer
//                the decision;
//   slow         ours with a handler that takes 5 s: every request must be answered "refused" by the
//                1.5 s deadline.
import "reflect-metadata";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import getRawBody from "raw-body";
import { Controller, HttpCode, Injectable, Module, Post, Req, Res } from "@nestjs/common";
import { adyenAuthenticationWebhooks, type AdyenAuthenticationOptions } from "@siglume-middleware/adyen";
import { webhookRouter } from "@siglume-middleware/express";
import { webhookPlugin } from "@siglume-middleware/fastify";
import { webhookMiddleware } from "@siglume-middleware/koa";
import { AdyenWebhooksModule, OnAdyenAuthenticationResult, OnAdyenRelayedAuthentication } from "@siglume-middleware/nestjs/adyen";
import { listening, nestListening, portOf, serve } from "./serve.js";

export const ADYEN_BENCH_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
export const ADYEN_BENCH_AUTH = { username: "adyen-bench", password: "bench-password" };
export const ADYEN_PATH = "/webhooks/adyen/authentication";
export const DECISION_TIMEOUT_MS = 1500;
const LIMIT = 1024 * 1024;

const key = Buffer.from(ADYEN_BENCH_KEY, "hex");
const expectedAuth = createHash("sha256").update(`Basic ${Buffer.from(`${ADYEN_BENCH_AUTH.username}:${ADYEN_BENCH_AUTH.password}`).toString("base64")}`).digest();
const PROCEED = JSON.stringify({ authenticationDecision: { status: "proceed" } });

/** The hand-written route's whole job: check Basic auth and the HMAC, parse, decide. */
function handDecision(body: Buffer, authorization: unknown, signature: unknown): string | undefined {
  if (typeof authorization !== "string" || typeof signature !== "string") return undefined;
  if (!timingSafeEqual(createHash("sha256").update(authorization).digest(), expectedAuth)) return undefined;
  const given = Buffer.from(signature, "base64");
  if (given.length !== 32 || !timingSafeEqual(createHmac("sha256", key).update(body).digest(), given)) return undefined;
  const request = JSON.parse(body.toString("utf8")) as { purchase: { originalAmount: { value: number } } };
  return request.purchase.originalAmount.value >= 0 ? PROCEED : PROCEED;
}

const slow = process.env.VARIANT === "slow";
const options: AdyenAuthenticationOptions = {
  hmacKey: ADYEN_BENCH_KEY,
  basicAuth: ADYEN_BENCH_AUTH,
  decisionTimeoutMs: DECISION_TIMEOUT_MS,
  logger: { info() {}, warn() {}, error() {} },
  onError() {},
  onRelayedAuthentication: async (request) =>
    slow ? new Promise((resolve) => setTimeout(() => resolve("proceed"), 5000)) : request.purchase.originalAmount.value >= 0 ? "proceed" : "refused",
  onAuthenticationResult() {},
};

async function start(framework: string, ours: boolean): Promise<number> {
  if (framework === "express") {
    const app = express();
    if (ours) app.use(webhookRouter(adyenAuthenticationWebhooks(options)));
    else
      app.post(ADYEN_PATH, express.raw({ type: "application/json", limit: LIMIT }), (req, res) => {
        const decision = handDecision(req.body as Buffer, req.headers.authorization, req.headers.hmacsignature);
        if (decision === undefined) res.status(401).end();
        else res.status(200).type("application/json").send(decision);
      });
    return listening((port, host) => app.listen(port, host));
  }
  if (framework === "fastify") {
    const app = Fastify();
    if (ours) await app.register(webhookPlugin, { provider: adyenAuthenticationWebhooks(options) });
    else {
      app.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: LIMIT }, (_req, body, done) => done(null, body));
      app.post(ADYEN_PATH, async (request, reply) => {
        const decision = handDecision(request.body as Buffer, request.headers.authorization, request.headers.hmacsignature);
        return decision === undefined ? reply.code(401).send() : reply.code(200).type("application/json").send(decision);
      });
    }
    await app.listen({ port: 0, host: "127.0.0.1" });
    return portOf(app.server);
  }
  if (framework === "koa") {
    const app = new Koa();
    if (ours) app.use(webhookMiddleware(adyenAuthenticationWebhooks(options)));
    else
      app.use(async (ctx) => {
        if (ctx.path !== ADYEN_PATH || ctx.method !== "POST") return;
        const body = await getRawBody(ctx.req, { limit: LIMIT, length: ctx.req.headers["content-length"] });
        const decision = handDecision(body, ctx.req.headers.authorization, ctx.req.headers.hmacsignature);
        if (decision === undefined) ctx.status = 401;
        else {
          ctx.type = "application/json";
          ctx.body = decision;
        }
      });
    return listening((port, host) => app.listen(port, host));
  }
  if (framework === "nestjs") {
    @Injectable()
    class Handlers {
      @OnAdyenRelayedAuthentication()
      relayed(request: never, ctx: never) {
        return options.onRelayedAuthentication(request, ctx);
      }
      @OnAdyenAuthenticationResult()
      result() {}
    }
    @Controller()
    class HandWritten {
      @Post(ADYEN_PATH)
      @HttpCode(200)
      receive(
        @Req() req: { rawBody: Buffer; headers: Record<string, string> },
        @Res() res: { status(code: number): { type(t: string): { send(b: string): void }; end(): void } },
      ) {
        const decision = handDecision(req.rawBody, req.headers.authorization, req.headers.hmacsignature);
        if (decision === undefined) res.status(401).end();
        else res.status(200).type("application/json").send(decision);
      }
    }
    const { onRelayedAuthentication: _r, onAuthenticationResult: _a, ...moduleOptions } = options;
    @Module(ours ? { imports: [AdyenWebhooksModule.forRoot(moduleOptions)], providers: [Handlers] } : { controllers: [HandWritten] })
    class AppModule {}
    return nestListening(AppModule);
  }
  throw new Error(`unknown FRAMEWORK ${framework}`);
}

serve((framework, variant) => start(framework, variant !== "handwritten"), "ours");
