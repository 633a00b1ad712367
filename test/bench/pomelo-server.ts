// One Pomelo benchmark server process: FRAMEWORK=express|fastify|koa|nestjs, VARIANT=
//   ours         pomeloWebhooks on the adapter's generic mount, in-memory store, token events to a
//                handler that returns at once;
//   handwritten  the shortest correct route: X-Api-Key lookup, X-Timestamp window, X-Endpoint check,
//                HMAC over timestamp + endpoint + raw bytes, JSON.parse, 204.
import "reflect-metadata";
import { createHmac, timingSafeEqual } from "node:crypto";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import getRawBody from "raw-body";
import { Controller, HttpCode, Injectable, Module, Post, Req, Res } from "@nestjs/common";
import { pomeloWebhooks, type PomeloOptions } from "@siglume-middleware/pomelo";
import { webhookRouter } from "@siglume-middleware/express";
import { webhookPlugin } from "@siglume-middleware/fastify";
import { webhookMiddleware } from "@siglume-middleware/koa";
import { OnPomeloOtp, OnPomeloReview, OnPomeloTokenEvent, PomeloWebhooksModule } from "@siglume-middleware/nestjs/pomelo";
import { listening, nestListening, portOf, serve } from "./serve.js";

export const POMELO_BENCH_KEY = { key: "pomelo-bench-key", secret: Buffer.alloc(32, 7).toString("base64") };
export const POMELO_TOKENS_PATH = "/webhooks/pomelo/tokens";
const LIMIT = 1024 * 1024;

const secrets = new Map([[POMELO_BENCH_KEY.key, Buffer.from(POMELO_BENCH_KEY.secret, "base64")]]);
type Header = string | string[] | undefined;

/** The hand-written route's whole job: find the secret, check time, endpoint and HMAC, parse. */
function handAccepts(body: Buffer, apiKey: Header, timestamp: Header, endpoint: Header, signature: Header): boolean {
  if (typeof apiKey !== "string" || typeof timestamp !== "string" || typeof signature !== "string") return false;
  const secret = secrets.get(apiKey);
  if (!secret || endpoint !== POMELO_TOKENS_PATH || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  if (!signature.startsWith("hmac-sha256 ")) return false;
  const given = Buffer.from(signature.slice(12), "base64");
  const expected = createHmac("sha256", secret).update(timestamp).update(endpoint).update(body).digest();
  if (given.length !== 32 || !timingSafeEqual(expected, given)) return false;
  const event = JSON.parse(body.toString("utf8")) as { event_id: string };
  return typeof event.event_id === "string";
}
const headersOf = (body: Buffer, h: Record<string, Header>) => handAccepts(body, h["x-api-key"], h["x-timestamp"], h["x-endpoint"], h["x-signature"]);

const options: PomeloOptions = {
  apiKeys: [POMELO_BENCH_KEY],
  logger: { info() {}, warn() {}, error() {} },
  onError() {},
  onTokenEvent() {},
  onOtp() {},
  onReview() {},
};

async function start(framework: string, ours: boolean): Promise<number> {
  if (framework === "express") {
    const app = express();
    if (ours) app.use(webhookRouter(pomeloWebhooks(options)));
    else
      app.post(POMELO_TOKENS_PATH, express.raw({ type: "application/json", limit: LIMIT }), (req, res) => {
        res.status(headersOf(req.body as Buffer, req.headers) ? 204 : 401).end();
      });
    return listening((port, host) => app.listen(port, host));
  }
  if (framework === "fastify") {
    const app = Fastify();
    if (ours) await app.register(webhookPlugin, { provider: pomeloWebhooks(options) });
    else {
      app.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: LIMIT }, (_req, body, done) => done(null, body));
      app.post(POMELO_TOKENS_PATH, async (request, reply) => reply.code(headersOf(request.body as Buffer, request.headers) ? 204 : 401).send());
    }
    await app.listen({ port: 0, host: "127.0.0.1" });
    return portOf(app.server);
  }
  if (framework === "koa") {
    const app = new Koa();
    if (ours) app.use(webhookMiddleware(pomeloWebhooks(options)));
    else
      app.use(async (ctx) => {
        if (ctx.path !== POMELO_TOKENS_PATH || ctx.method !== "POST") return;
        const body = await getRawBody(ctx.req, { limit: LIMIT, length: ctx.req.headers["content-length"] });
        ctx.status = headersOf(body, ctx.req.headers) ? 204 : 401;
      });
    return listening((port, host) => app.listen(port, host));
  }
  if (framework === "nestjs") {
    @Injectable()
    class Handlers {
      @OnPomeloTokenEvent()
      token() {}
      @OnPomeloOtp()
      otp() {}
      @OnPomeloReview()
      review() {}
    }
    @Controller()
    class HandWritten {
      @Post(POMELO_TOKENS_PATH)
      @HttpCode(204)
      receive(@Req() req: { rawBody: Buffer; headers: Record<string, Header> }, @Res() res: { status(code: number): { end(): void } }) {
        res.status(headersOf(req.rawBody, req.headers) ? 204 : 401).end();
      }
    }
    const { onTokenEvent: _t, onOtp: _o, onReview: _r, ...moduleOptions } = options;
    @Module(ours ? { imports: [PomeloWebhooksModule.forRoot(moduleOptions)], providers: [Handlers] } : { controllers: [HandWritten] })
    class AppModule {}
    return nestListening(AppModule);
  }
  throw new Error(`unknown FRAMEWORK ${framework}`);
}

serve((framework, variant) => start(framework, variant !== "handwritten"), "ours");
