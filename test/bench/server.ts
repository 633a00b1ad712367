// One Node bench server: FRAMEWORK (express | fastify | koa | nestjs | hono | fetch), SENDER (senders.ts) and
// VARIANT from the environment:
//   ours       the sender's provider on the framework's adapter (hono: @siglume-middleware/hono; fetch:
//              webhookFetchHandler, both served by @hono/node-server), memory store, handlers that return at once;
//   baseline   the hand-written route in the same framework (senders.ts), its body read the framework's way;
//   guarded    that route with what ours guarantees beyond it (senders.ts GUARANTEES; every framework but Express;
//              Siglume, Adyen and Pomelo: bench/guarantees.ts); guarded-N with the first N of them only;
//   slow       ours, with Adyen's handler taking 5 s (the deadline bench);
//   telemetry  ours, with the OpenTelemetry SDK registered (telemetry.ts);
//   telemetry-off  ours, with `telemetry: false` (Siglume).
// Prints "LISTENING <port>" (lib.ts startServer).
import "reflect-metadata";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { Hono } from "hono";
import { serve as honoServe } from "@hono/node-server";
import getRawBody from "raw-body";
import { Controller, Injectable, Module, Post, Req, Res } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { webhookRouter } from "@siglume-middleware/express";
import { webhookPlugin } from "@siglume-middleware/fastify";
import { webhookMiddleware as honoMiddleware } from "@siglume-middleware/hono";
import { webhookMiddleware as koaMiddleware } from "@siglume-middleware/koa";
import { OnDirectPaymentConfirmed, OnSiglumeReview, SiglumeModule } from "@siglume-middleware/nestjs";
import { AdyenWebhooksModule, OnAdyenAuthenticationResult, OnAdyenRelayedAuthentication } from "@siglume-middleware/nestjs/adyen";
import { ClearTxWebhooksModule, OnClearTxNotification, OnClearTxReview } from "@siglume-middleware/nestjs/cleartx";
import { OnPomeloOtp, OnPomeloReview, OnPomeloTokenEvent, PomeloWebhooksModule } from "@siglume-middleware/nestjs/pomelo";
import { webhookFetchHandler } from "@siglume-middleware/web";
import {
  adyenOptions,
  bodyDeadline,
  GUARANTEES,
  clearTxOptions,
  fetchBaseline,
  fetchGuarded,
  readWithDeadline,
  pomeloOptions,
  senders,
  siglumeOptions,
  STANDARD,
  STANDARD_MODULES,
  type Answer,
  type Baseline,
  type GuardedBaseline,
  type SenderName,
} from "./senders.js";
import { startTelemetry } from "./telemetry.js";

const LIMIT = 1024 * 1024;
const JSON_TYPE = "application/json";

const portOf = (server: Server) => (server.address() as AddressInfo).port;
async function listening(listen: (port: number, host: string) => Server): Promise<number> {
  const server = listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return portOf(server);
}

/** The NestJS module of a sender (Express platform, the default): the sender's module and no-op handlers. */
async function nestModule(sender: SenderName, variant: string): Promise<object> {
  if (sender === "siglume") {
    @Injectable()
    class Handlers {
      @OnDirectPaymentConfirmed()
      paid() {}
      @OnSiglumeReview()
      review() {}
    }
    const { onDirectPaymentConfirmed: _p, onReview: _r, ...options } = siglumeOptions;
    return { imports: [SiglumeModule.forRoot(options)], providers: [Handlers] };
  }
  if (sender === "adyen") {
    const { onRelayedAuthentication, onAuthenticationResult: _a, ...options } = adyenOptions(variant);
    @Injectable()
    class Handlers {
      @OnAdyenRelayedAuthentication()
      relayed(request: never, ctx: never) {
        return onRelayedAuthentication(request, ctx);
      }
      @OnAdyenAuthenticationResult()
      result() {}
    }
    return { imports: [AdyenWebhooksModule.forRoot(options)], providers: [Handlers] };
  }
  if (sender === "pomelo") {
    @Injectable()
    class Handlers {
      @OnPomeloTokenEvent()
      token() {}
      @OnPomeloOtp()
      otp() {}
      @OnPomeloReview()
      review() {}
    }
    const { onTokenEvent: _t, onOtp: _o, onReview: _r, ...options } = pomeloOptions;
    return { imports: [PomeloWebhooksModule.forRoot(options)], providers: [Handlers] };
  }
  if (sender === "cleartx") {
    @Injectable()
    class Handlers {
      @OnClearTxNotification()
      notification() {}
      @OnClearTxReview()
      review() {}
    }
    const { onNotification: _n, onReview: _r, ...options } = clearTxOptions;
    return { imports: [ClearTxWebhooksModule.forRoot(options)], providers: [Handlers] };
  }
  if (sender === "standard") {
    // Imported by name: the module comes from another branch (senders.ts STANDARD_MODULES).
    const { StandardWebhooksModule, OnStandardWebhook, OnStandardWebhookReview } = (await import(STANDARD_MODULES.nest)) as {
      StandardWebhooksModule: { forRoot(options: object): object };
      OnStandardWebhook(): MethodDecorator;
      OnStandardWebhookReview(): MethodDecorator;
    };
    @Injectable()
    class Handlers {
      @OnStandardWebhook()
      event() {}
      @OnStandardWebhookReview()
      review() {}
    }
    const options = { logger: siglumeOptions.logger, secret: STANDARD.secret, path: STANDARD.path };
    return { imports: [StandardWebhooksModule.forRoot(options)], providers: [Handlers] };
  }
  throw new Error(`no NestJS module for ${sender} in the bench`);
}

/**
 * The hand-written NestJS controller: the raw body Nest keeps (`rawBody: true`), the answer through Express. The
 * guarded route's answer may be a Promise. Nest's parser reads the body on both sides, as ours reads it on NestJS: the
 * first guarantee (the read's timeout) adds nothing there.
 */
function nestBaseline(path: string, baseline: Baseline | GuardedBaseline): object {
  type Response = { status(code: number): { type(t: string): { send(b: string): void }; end(): void } };
  const write = (res: Response, answer: Answer) => {
    if (answer.body === undefined) res.status(answer.status).end();
    else res.status(answer.status).type(JSON_TYPE).send(answer.body);
  };
  @Controller()
  class HandWritten {
    @Post(path)
    receive(@Req() req: { rawBody: Buffer; headers: Record<string, string> }, @Res() res: Response) {
      const answer = baseline(req.rawBody, (name) => req.headers[name]);
      if (answer instanceof Promise) return answer.then((settled) => write(res, settled));
      write(res, answer);
    }
  }
  return { controllers: [HandWritten] };
}

async function start(framework: string, senderName: SenderName, variant: string): Promise<number> {
  const sender = senders[senderName];
  if (variant === "telemetry") startTelemetry();
  // "guarded-N": the first N of GUARANTEES; "guarded": all of them.
  const level = variant === "guarded" ? GUARANTEES.length : variant.startsWith("guarded-") ? Number(variant.slice(8)) : 0;
  const ours = variant !== "baseline" && level === 0 ? await sender.ours(variant) : undefined;
  const baseline = variant === "baseline" ? await sender.handWritten() : undefined;
  const guarded = level > 0 ? await sender.guarded?.(level) : undefined;
  if (level > 0 && (guarded === undefined || framework === "express")) {
    throw new Error(`no guarded route for ${senderName} on ${framework}`);
  }

  const { path } = sender;

  if (framework === "express") {
    const app = express();
    if (ours) app.use(webhookRouter(ours));
    else
      app.post(path, express.raw({ type: JSON_TYPE, limit: LIMIT }), (req, res) => {
        const answer = baseline!(req.body as Buffer, (name) => req.headers[name]);
        if (answer.body === undefined) res.status(answer.status).end();
        else res.status(answer.status).type(JSON_TYPE).send(answer.body);
      });
    return listening((port, host) => app.listen(port, host));
  }
  if (framework === "fastify") {
    const app = Fastify();
    if (ours) await app.register(webhookPlugin, { provider: ours });
    else if (guarded) {
      app.addContentTypeParser(JSON_TYPE, { parseAs: "buffer", bodyLimit: LIMIT }, (_req, body, done) => done(null, body));
      app.decorateRequest("bodyRead", null);
      app.addHook("preParsing", (request, _reply, payload, done) => {
        (request as unknown as { bodyRead: () => void }).bodyRead = bodyDeadline(payload);
        done(null, payload);
      });
      app.addHook("preValidation", (request, _reply, done) => {
        (request as unknown as { bodyRead: () => void }).bodyRead();
        done();
      });
      app.post(path, async (request, reply) => {
        const pending = guarded(request.body as Buffer, (name) => request.headers[name]);
        const answer = pending instanceof Promise ? await pending : pending;
        reply.code(answer.status);
        return answer.body === undefined ? reply.send() : reply.type(JSON_TYPE).send(answer.body);
      });
    } else {
      app.addContentTypeParser(JSON_TYPE, { parseAs: "buffer", bodyLimit: LIMIT }, (_req, body, done) => done(null, body));
      app.post(path, async (request, reply) => {
        const answer = baseline!(request.body as Buffer, (name) => request.headers[name]);
        reply.code(answer.status);
        return answer.body === undefined ? reply.send() : reply.type(JSON_TYPE).send(answer.body);
      });
    }
    await app.listen({ port: 0, host: "127.0.0.1" });
    return portOf(app.server);
  }
  if (framework === "koa") {
    const app = new Koa();
    if (ours) app.use(koaMiddleware(ours));
    else if (guarded)
      app.use(async (ctx) => {
        if (ctx.path !== path || ctx.method !== "POST") return;
        const bodyRead = bodyDeadline(ctx.req);
        let body: Buffer;
        try {
          body = await getRawBody(ctx.req, { limit: LIMIT, length: ctx.req.headers["content-length"] });
        } finally {
          bodyRead();
        }
        const pending = guarded(body, (name) => ctx.req.headers[name]);
        const answer = pending instanceof Promise ? await pending : pending;
        ctx.status = answer.status;
        if (answer.body !== undefined) {
          ctx.type = JSON_TYPE;
          ctx.body = answer.body;
        }
      });
    else
      app.use(async (ctx) => {
        if (ctx.path !== path || ctx.method !== "POST") return;
        const body = await getRawBody(ctx.req, { limit: LIMIT, length: ctx.req.headers["content-length"] });
        const answer: Answer = baseline!(body, (name) => ctx.req.headers[name]);
        ctx.status = answer.status;
        if (answer.body !== undefined) {
          ctx.type = JSON_TYPE;
          ctx.body = answer.body;
        }
      });
    return listening((port, host) => app.listen(port, host));
  }
  if (framework === "nestjs") {
    @Module(ours ? await nestModule(senderName, variant) : nestBaseline(path, guarded ?? baseline!))
    class AppModule {}
    const app = await NestFactory.create(AppModule, { rawBody: true, logger: false });
    await app.listen(0, "127.0.0.1");
    return portOf(app.getHttpServer());
  }
  if (framework === "hono" || framework === "fetch") {
    let fetch: (request: Request) => Response | Promise<Response>;
    if (framework === "fetch") fetch = ours ? webhookFetchHandler(ours) : guarded ? fetchGuarded(path, guarded) : fetchBaseline(path, baseline!);
    else {
      const app = new Hono();
      if (ours) app.use(honoMiddleware(ours));
      else if (guarded)
        app.post(path, async (c) => {
          const pending = guarded(await readWithDeadline(c.req.raw), (name) => c.req.header(name));
          const answer = pending instanceof Promise ? await pending : pending;
          return answer.body === undefined ? c.body(null, answer.status as 204) : c.body(answer.body, answer.status as 200, { "content-type": JSON_TYPE });
        });
      else
        app.post(path, async (c) => {
          const answer = baseline!(new Uint8Array(await c.req.arrayBuffer()), (name) => c.req.header(name));
          return answer.body === undefined ? c.body(null, answer.status as 204) : c.body(answer.body, answer.status as 200, { "content-type": JSON_TYPE });
        });
      fetch = app.fetch;
    }
    return new Promise((resolve) => honoServe({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve(info.port)));
  }
  throw new Error(`unknown FRAMEWORK ${framework}`);
}

const { FRAMEWORK, SENDER = "siglume", VARIANT = "ours" } = process.env;
if (FRAMEWORK) void start(FRAMEWORK, SENDER as SenderName, VARIANT).then((port) => process.stdout.write(`LISTENING ${port}\n`));
// Exit through process.exit so that --cpu-prof (profile.ts) writes its profile.
process.on("SIGTERM", () => process.exit(0));
