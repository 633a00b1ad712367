// One benchmark server process: FRAMEWORK=express|fastify|koa|nestjs, VARIANT=
//   siglume          our adapter, in-memory store, no-op handlers;
//   handwritten      the minimal route: raw body, HMAC check, 204 (the baseline);
//   handwritten-parse the same plus JSON.parse of the body, the least a route that reads the event does.
import "reflect-metadata";
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import getRawBody from "raw-body";
import { Controller, HttpCode, Injectable, Module, Post, Req } from "@nestjs/common";
import { siglumeRouter } from "@siglume-middleware/express";
import { siglumePlugin } from "@siglume-middleware/fastify";
import { siglumeMiddleware } from "@siglume-middleware/koa";
import { OnDirectPaymentConfirmed, OnSiglumeReview, SiglumeModule } from "@siglume-middleware/nestjs";
import { listening, nestListening, portOf, serve } from "./serve.js";

export const BENCH_SECRET = "whsec_bench_secret_0123456789";
const PATH = "/webhooks/siglume";
const LIMIT = 1024 * 1024;
const key = createSecretKey(Buffer.from(BENCH_SECRET));

const parseToo = process.env.VARIANT === "handwritten-parse";

/** The hand-written check: find t and v1, HMAC the bytes, compare in constant time (and parse, in that variant). */
function handVerified(body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== "string") return false;
  let t: string | undefined;
  let v1: string | undefined;
  for (const part of header.split(",")) {
    if (part.startsWith("t=")) t = part.slice(2);
    else if (part.startsWith("v1=")) v1 = part.slice(3);
  }
  if (!t || !v1 || v1.length !== 64) return false;
  const expected = createHmac("sha256", key).update(`${t}.`).update(body).digest();
  if (!timingSafeEqual(expected, Buffer.from(v1, "hex"))) return false;
  if (parseToo) JSON.parse(body.toString("utf8"));
  return true;
}

const noop = async () => {};
const options = { webhookSecret: BENCH_SECRET, onDirectPaymentConfirmed: noop, onReview: noop, onError: noop };

async function start(framework: string, variant: string): Promise<number> {
  const siglume = variant === "siglume";
  if (framework === "express") {
    const app = express();
    if (siglume) app.use(siglumeRouter(options));
    else
      app.post(PATH, express.raw({ type: "application/json", limit: LIMIT }), (req, res) => {
        res.status(handVerified(req.body as Buffer, req.headers["siglume-signature"]) ? 204 : 401).end();
      });
    return listening((port, host) => app.listen(port, host));
  }
  if (framework === "fastify") {
    const app = Fastify();
    if (siglume) await app.register(siglumePlugin, options);
    else {
      app.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: LIMIT }, (_req, body, done) => done(null, body));
      app.post(PATH, async (request, reply) =>
        reply.code(handVerified(request.body as Buffer, request.headers["siglume-signature"]) ? 204 : 401).send(),
      );
    }
    await app.listen({ port: 0, host: "127.0.0.1" });
    return portOf(app.server);
  }
  if (framework === "koa") {
    const app = new Koa();
    if (siglume) app.use(siglumeMiddleware(options));
    else
      app.use(async (ctx) => {
        if (ctx.path !== PATH || ctx.method !== "POST") return;
        const body = await getRawBody(ctx.req, { limit: LIMIT, length: ctx.req.headers["content-length"] });
        ctx.status = handVerified(body, ctx.req.headers["siglume-signature"]) ? 204 : 401;
      });
    return listening((port, host) => app.listen(port, host));
  }
  if (framework === "nestjs") {
    @Injectable()
    class Handlers {
      @OnDirectPaymentConfirmed()
      paid() {}
      @OnSiglumeReview()
      review() {}
    }
    @Controller()
    class HandWritten {
      @Post(PATH)
      @HttpCode(204)
      receive(@Req() req: { rawBody: Buffer; headers: Record<string, string> }) {
        if (!handVerified(req.rawBody, req.headers["siglume-signature"])) throw new Error("bad signature");
      }
    }
    @Module(
      siglume
        ? { imports: [SiglumeModule.forRoot({ webhookSecret: BENCH_SECRET, onError: noop })], providers: [Handlers] }
        : { controllers: [HandWritten] },
    )
    class AppModule {}
    return nestListening(AppModule);
  }
  throw new Error(`unknown FRAMEWORK ${framework}`);
}

serve(start, "siglume");
