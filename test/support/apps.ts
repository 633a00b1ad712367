import "reflect-metadata";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { bodyParser as koaBodyParser } from "@koa/bodyparser";
import getRawBody from "raw-body";
import { Controller, Get, Inject, Injectable, Module, Post, Body, type DynamicModule } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import type { SiglumeHandlers, SiglumeOptions } from "@siglume-middleware/core";
import { TIMED_OUT_TEXT } from "./timing.js";
import { fetchFixture, honoFixture, selectTargets } from "./web-apps.js";
import { siglumeRouter } from "@siglume-middleware/express";
import { siglumePlugin } from "@siglume-middleware/fastify";
import { siglumeMiddleware } from "@siglume-middleware/koa";
import {
  OnDirectPaymentConfirmed,
  OnDirectPaymentSpent,
  OnSiglumeEvent,
  OnSiglumeReadinessProbe,
  OnSiglumeReview,
  SiglumeModule,
  type SiglumeModuleOptions,
} from "@siglume-middleware/nestjs";

/** Options a conformance case passes: the core options with every handler given. */
export type HarnessOptions = SiglumeOptions<boolean> & Required<Pick<SiglumeHandlers<boolean>, "onReview">>;

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

export interface AdapterFixture {
  name: string;
  /** The webhook app, with a host JSON parser on other routes (GET /health, POST /echo). */
  start(options: HarnessOptions): Promise<RunningApp>;
  /** The same app with the host's JSON body parser running before the webhook route. */
  startWithParserFirst(options: HarnessOptions): Promise<RunningApp>;
  /** What a correct adapter does then: verify from the kept raw bytes, or refuse with RAW_BODY_UNAVAILABLE. */
  parserFirst: "handled" | "raw_body_unavailable";
  /** The host's parser first, configured the framework's way to keep the raw bytes. */
  startWithParserKeepingBytes(options: HarnessOptions): Promise<RunningApp>;
  /**
   * The app with a body parser before the webhook route that keeps no raw bytes, so every delivery must be
   * refused RAW_BODY_UNAVAILABLE. Absent where the adapter's own parser is scoped to its route (Fastify).
   */
  startWithBytesLost?(options: HarnessOptions): Promise<RunningApp>;
  /**
   * True where the framework's own body parser runs before any adapter code (NestJS): it answers an
   * oversized body (413) or invalid JSON (400) itself, with the same status but its own error body.
   */
  frameworkParsesFirst: boolean;
  /**
   * The webhook app behind a request-timeout middleware (or hook) of the framework's usual shape, which
   * answers 503 "request timed out" whatever the route is still doing, once the promise `timesOut()`
   * returns for the request settles: the test's latch, in place of the middleware's timer.
   */
  startBehindTimeout?(options: HarnessOptions, timesOut: () => Promise<unknown>): Promise<RunningApp>;
}

export { TIMED_OUT_TEXT };

export async function listen(server: Server): Promise<RunningApp> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const expressFixture: AdapterFixture = {
  name: "express",
  parserFirst: "raw_body_unavailable",
  frameworkParsesFirst: false,
  async start(options) {
    const app = express();
    app.get("/health", (_req, res) => res.json({ ok: true }));
    app.use(siglumeRouter(options));
    app.use(express.json());
    app.post("/echo", (req, res) => res.json(req.body));
    return listen(app.listen(0, "127.0.0.1"));
  },
  async startWithParserFirst(options) {
    const app = express();
    app.use(express.json());
    app.use(siglumeRouter(options));
    return listen(app.listen(0, "127.0.0.1"));
  },
  async startBehindTimeout(options, timesOut) {
    const app = express();
    app.use((_req, res, next) => {
      void timesOut().then(() => {
        if (!res.headersSent) res.status(503).send(TIMED_OUT_TEXT);
      });
      next();
    });
    app.use(siglumeRouter(options));
    return listen(app.listen(0, "127.0.0.1"));
  },
  startWithBytesLost: (options) => expressFixture.startWithParserFirst(options),
  async startWithParserKeepingBytes(options) {
    const app = express();
    app.use(express.json({ verify: (req, _res, buf) => void ((req as unknown as { rawBody: Buffer }).rawBody = buf) }));
    app.use(siglumeRouter(options));
    return listen(app.listen(0, "127.0.0.1"));
  },
};

const fastifyFixture: AdapterFixture = {
  name: "fastify",
  // The plugin's content-type parser is encapsulated, so the host's JSON parser never sees the webhook.
  parserFirst: "handled",
  frameworkParsesFirst: false,
  async start(options) {
    const app = Fastify();
    app.get("/health", async () => ({ ok: true }));
    app.post("/echo", async (request) => request.body);
    await app.register(siglumePlugin, options);
    await app.listen({ port: 0, host: "127.0.0.1" });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
  async startWithParserFirst(options) {
    const app = Fastify();
    // A host-wide JSON parser replacing Fastify's default one, registered before the plugin.
    app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    await app.register(siglumePlugin, options);
    await app.listen({ port: 0, host: "127.0.0.1" });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
  async startBehindTimeout(options, timesOut) {
    const app = Fastify();
    app.addHook("onRequest", (_request, reply, done) => {
      void timesOut().then(() => {
        if (!reply.sent) void reply.code(503).send(TIMED_OUT_TEXT);
      });
      done();
    });
    await app.register(siglumePlugin, options);
    await app.listen({ port: 0, host: "127.0.0.1" });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
  // The plugin's parser is scoped to its route: nothing to keep.
  startWithParserKeepingBytes: (options) => fastifyFixture.startWithParserFirst(options),
};

const koaFixture: AdapterFixture = {
  name: "koa",
  // @koa/bodyparser keeps the raw text as ctx.request.rawBody, which the middleware verifies.
  parserFirst: "handled",
  frameworkParsesFirst: false,
  async start(options) {
    const app = new Koa();
    app.use(siglumeMiddleware(options));
    app.use(koaBodyParser());
    app.use(async (ctx) => {
      if (ctx.path === "/health") ctx.body = { ok: true };
      else if (ctx.path === "/echo" && ctx.method === "POST") ctx.body = ctx.request.body;
    });
    return listen(app.listen(0, "127.0.0.1"));
  },
  async startWithParserFirst(options) {
    const app = new Koa();
    app.use(koaBodyParser());
    app.use(siglumeMiddleware(options));
    return listen(app.listen(0, "127.0.0.1"));
  },
  async startBehindTimeout(options, timesOut) {
    const app = new Koa();
    app.use(async (ctx, next) => {
      let answered = false;
      const timedOut = timesOut().then(() => {
        if (answered) return;
        ctx.status = 503;
        ctx.body = TIMED_OUT_TEXT;
      });
      await Promise.race([next(), timedOut]);
      answered = true;
    });
    app.use(siglumeMiddleware(options));
    return listen(app.listen(0, "127.0.0.1"));
  },
  // @koa/bodyparser keeps ctx.request.rawBody by default.
  startWithParserKeepingBytes: (options) => koaFixture.startWithParserFirst(options),
  async startWithBytesLost(options) {
    const app = new Koa();
    // A JSON parser that keeps no raw text (as koa-body does by default).
    app.use(async (ctx, next) => {
      if (ctx.is("application/json")) ctx.request.body = JSON.parse((await getRawBody(ctx.req)).toString("utf8"));
      await next();
    });
    app.use(siglumeMiddleware(options));
    return listen(app.listen(0, "127.0.0.1"));
  },
};

const HARNESS = "SIGLUME_TEST_HARNESS";

/** Decorated methods that forward to the conformance case's handler functions. */
@Injectable()
class HarnessHandlers {
  constructor(@Inject(HARNESS) private readonly harness: HarnessOptions) {}

  @OnDirectPaymentConfirmed()
  confirmed(payload: never, ctx: never) {
    return this.harness.onDirectPaymentConfirmed(payload, ctx);
  }
  @OnSiglumeReview()
  review(payload: never, ctx: never) {
    return this.harness.onReview(payload, ctx);
  }
  @OnDirectPaymentSpent()
  spent(payload: never, ctx: never) {
    return (this.harness.onDirectPaymentSpent ?? this.harness.onReview)(payload, ctx);
  }
  @OnSiglumeEvent()
  other(payload: never, ctx: never) {
    return (this.harness.onEvent ?? this.harness.onReview)(payload, ctx);
  }
  @OnSiglumeReadinessProbe()
  probe(payload: never, ctx: never) {
    return this.harness.onReadinessProbe?.(payload, ctx);
  }
}

@Controller()
class HostController {
  @Get("health")
  health() {
    return { ok: true };
  }
  @Post("echo")
  echo(@Body() body: unknown) {
    return body;
  }
}

function nestModule(options: HarnessOptions): DynamicModule {
  // Everything but the handlers, which reach Nest through the decorated HarnessHandlers.
  const {
    onDirectPaymentConfirmed: _confirmed,
    onReview: _review,
    onDirectPaymentSpent: _spent,
    onEvent: _event,
    onReadinessProbe: _probe,
    path: _path,
    ...moduleOptions
  } = options;
  @Module({})
  class TestAppModule {}
  return {
    module: TestAppModule,
    imports: [SiglumeModule.forRoot(moduleOptions as SiglumeModuleOptions)],
    controllers: [HostController],
    providers: [{ provide: HARNESS, useValue: options }, HarnessHandlers],
  };
}

function nestFixture(platform: "express" | "fastify"): AdapterFixture {
  const create = async (options: HarnessOptions, rawBody: boolean): Promise<RunningApp> => {
    const adapter = platform === "express" ? new ExpressAdapter() : new FastifyAdapter();
    const app = await NestFactory.create(nestModule(options), adapter, { rawBody, logger: false });
    await app.listen(0, "127.0.0.1");
    return { url: await app.getUrl().then((u) => u.replace("[::1]", "127.0.0.1")), close: () => app.close() };
  };
  return {
    name: `nestjs-${platform}`,
    // Without { rawBody: true } Nest keeps no bytes: the module must say so, never answer 401.
    parserFirst: "raw_body_unavailable",
    // Nest's own body parser runs before any module code, with its own limit and JSON errors.
    frameworkParsesFirst: true,
    start: (options) => create(options, true),
    startWithParserFirst: (options) => create(options, false),
    // { rawBody: true } is Nest's way of keeping the bytes.
    startWithParserKeepingBytes: (options) => create(options, true),
    startWithBytesLost: (options) => create(options, false),
  };
}

export const adapters: AdapterFixture[] = selectTargets([
  expressFixture,
  fastifyFixture,
  koaFixture,
  nestFixture("express"),
  nestFixture("fastify"),
  fetchFixture,
  honoFixture,
]);
