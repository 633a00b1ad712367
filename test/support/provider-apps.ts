// Apps mounting a provider other than Siglume on every adapter, for the conformance suite. Express,
// Fastify and Koa take the framework-free provider through their generic mount; NestJS takes the
// provider's module with decorated methods that forward to the same handler functions.
import "reflect-metadata";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { Inject, Injectable, Module, type DynamicModule, type Type } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import type { WebhookProvider } from "@siglume-middleware/core";
import { adyenAuthenticationWebhooks, type AdyenAuthenticationOptions } from "@siglume-middleware/adyen";
import { clearTxWebhooks, type ClearTxOptions } from "@siglume-middleware/cleartx";
import { webhookRouter } from "@siglume-middleware/express";
import { webhookPlugin } from "@siglume-middleware/fastify";
import { webhookMiddleware } from "@siglume-middleware/koa";
import {
  AdyenWebhooksModule,
  OnAdyenAuthenticationResult,
  OnAdyenEvent,
  OnAdyenRelayedAuthentication,
} from "@siglume-middleware/nestjs/adyen";
import { pomeloWebhooks, type PomeloOptions } from "@siglume-middleware/pomelo";
import { OnPomeloOtp, OnPomeloReview, OnPomeloTokenEvent, PomeloWebhooksModule } from "@siglume-middleware/nestjs/pomelo";
import { OnStandardWebhook, OnStandardWebhookReview, StandardWebhooksModule } from "@siglume-middleware/nestjs/standard-webhooks";
import { standardWebhooks, type StandardWebhooksOptions } from "@siglume-middleware/standard-webhooks";
import {
  ClearTxWebhooksModule,
  OnClearTxConfirmedData,
  OnClearTxNotification,
  OnClearTxReview,
} from "@siglume-middleware/nestjs/cleartx";
import type { RunningApp } from "./apps.js";
import { selectTargets, webProviderFixtures } from "./web-apps.js";

/** Every option, handlers included, as the framework-free factories take them. */
export type AdyenHarnessOptions = AdyenAuthenticationOptions<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type ClearTxHarnessOptions = ClearTxOptions<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type PomeloHarnessOptions = PomeloOptions<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type StandardHarnessOptions = StandardWebhooksOptions<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ProviderFixture {
  name: string;
  /** NestJS: its own body parser runs first and answers a body that is not JSON with 400. */
  frameworkParsesFirst: boolean;
  startAdyen(options: AdyenHarnessOptions): Promise<RunningApp>;
  startPomelo(options: PomeloHarnessOptions): Promise<RunningApp>;
  startClearTx(options: ClearTxHarnessOptions): Promise<RunningApp>;
  startStandard(options: StandardHarnessOptions): Promise<RunningApp>;
}

async function listenExpress(provider: WebhookProvider<unknown>): Promise<RunningApp> {
  const app = express();
  app.use(webhookRouter(provider));
  app.use(express.json());
  app.post("/echo", (req, res) => res.json(req.body));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function listenFastify(provider: WebhookProvider<unknown>): Promise<RunningApp> {
  const app = Fastify();
  app.post("/echo", async (request) => request.body);
  await app.register(webhookPlugin, { provider });
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

async function listenKoa(provider: WebhookProvider<unknown>): Promise<RunningApp> {
  const app = new Koa();
  app.use(webhookMiddleware(provider));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const HARNESS = "PROVIDER_TEST_HARNESS";

/** The decorated methods a Nest app would write, forwarding to the case's handler functions. */
function adyenHarness(withEvent: boolean): Type<unknown> {
  @Injectable()
  class AdyenHarness {
    constructor(@Inject(HARNESS) readonly options: AdyenHarnessOptions) {}
    @OnAdyenRelayedAuthentication()
    relayed(payload: never, ctx: never) {
      return this.options.onRelayedAuthentication(payload, ctx);
    }
    @OnAdyenAuthenticationResult()
    result(payload: never, ctx: never) {
      return this.options.onAuthenticationResult(payload, ctx);
    }
  }
  if (!withEvent) return AdyenHarness;
  @Injectable()
  class AdyenHarnessWithEvents extends AdyenHarness {
    @OnAdyenEvent()
    event(payload: never, ctx: never) {
      return this.options.onEvent!(payload, ctx);
    }
  }
  return AdyenHarnessWithEvents;
}

function nestAdyenModule(options: AdyenHarnessOptions): DynamicModule {
  const { onRelayedAuthentication: _r, onAuthenticationResult: _a, onEvent, path, name, ...moduleOptions } = options;
  @Module({})
  class AdyenTestApp {}
  return {
    module: AdyenTestApp,
    imports: [AdyenWebhooksModule.forRoot({ ...moduleOptions, ...(path ? { path } : {}), ...(name ? { name } : {}) })],
    providers: [{ provide: HARNESS, useValue: options }, adyenHarness(onEvent !== undefined)],
  };
}

@Injectable()
class PomeloHarness {
  constructor(@Inject(HARNESS) readonly options: PomeloHarnessOptions) {}
  @OnPomeloTokenEvent()
  token(payload: never, ctx: never) {
    return this.options.onTokenEvent(payload, ctx);
  }
  @OnPomeloOtp()
  otp(payload: never, ctx: never) {
    return this.options.onOtp(payload, ctx);
  }
  @OnPomeloReview()
  review(payload: never, ctx: never) {
    return this.options.onReview(payload, ctx);
  }
}

function nestPomeloModule(options: PomeloHarnessOptions): DynamicModule {
  const { onTokenEvent: _t, onOtp: _o, onReview: _r, paths, name, ...moduleOptions } = options;
  @Module({})
  class PomeloTestApp {}
  return {
    module: PomeloTestApp,
    imports: [
      PomeloWebhooksModule.forRoot({
        ...moduleOptions,
        ...(paths ? { paths: { tokens: paths.tokens ?? "/webhooks/pomelo/tokens", otp: paths.otp ?? "/webhooks/pomelo/otp" } } : {}),
        ...(name ? { name } : {}),
      }),
    ],
    providers: [{ provide: HARNESS, useValue: options }, PomeloHarness],
  };
}

/** ClearTX's decorated methods: every status to one method, confirmed-data when the case has a handler for it. */
function clearTxHarness(withConfirmedData: boolean): Type<unknown> {
  @Injectable()
  class ClearTxHarness {
    constructor(@Inject(HARNESS) readonly options: ClearTxHarnessOptions) {}
    @OnClearTxNotification()
    notification(payload: never, ctx: never) {
      return this.options.onNotification(payload, ctx);
    }
    @OnClearTxReview()
    review(payload: never, ctx: never) {
      return this.options.onReview(payload, ctx);
    }
  }
  if (!withConfirmedData) return ClearTxHarness;
  @Injectable()
  class ClearTxHarnessWithData extends ClearTxHarness {
    @OnClearTxConfirmedData()
    confirmedData(payload: never, ctx: never) {
      return this.options.onConfirmedData!(payload, ctx);
    }
  }
  return ClearTxHarnessWithData;
}

function nestClearTxModule(options: ClearTxHarnessOptions): DynamicModule {
  const { onNotification: _n, onConfirmedData, onReview: _r, basePath, ...moduleOptions } = options;
  @Module({})
  class ClearTxTestApp {}
  return {
    module: ClearTxTestApp,
    imports: [ClearTxWebhooksModule.forRoot({ ...moduleOptions, ...(basePath ? { basePath } : {}) })],
    providers: [{ provide: HARNESS, useValue: options }, clearTxHarness(onConfirmedData !== undefined)],
  };
}

/** Standard Webhooks' decorated methods for the instance `name`: one for every event, a review method when the case has onReview. */
function standardHarness(name: string | undefined, withReview: boolean): Type<unknown> {
  @Injectable()
  class StandardHarness {
    constructor(@Inject(HARNESS) readonly options: StandardHarnessOptions) {}
    @OnStandardWebhook(name)
    event(payload: never, ctx: never) {
      return this.options.onEvent(payload, ctx);
    }
  }
  if (!withReview) return StandardHarness;
  @Injectable()
  class StandardHarnessWithReview extends StandardHarness {
    @OnStandardWebhookReview(name)
    review(payload: never, ctx: never) {
      return this.options.onReview!(payload, ctx);
    }
  }
  return StandardHarnessWithReview;
}

function nestStandardModule(options: StandardHarnessOptions): DynamicModule {
  const { onEvent: _e, onReview, path, name, ...moduleOptions } = options;
  @Module({})
  class StandardTestApp {}
  return {
    module: StandardTestApp,
    imports: [StandardWebhooksModule.forRoot({ ...moduleOptions, ...(path ? { path } : {}), ...(name ? { name } : {}) })],
    providers: [{ provide: HARNESS, useValue: options }, standardHarness(name, onReview !== undefined)],
  };
}

function nestFixture(platform: "express" | "fastify"): ProviderFixture {
  const create = async (module: DynamicModule): Promise<RunningApp> => {
    const adapter = platform === "express" ? new ExpressAdapter() : new FastifyAdapter();
    const app = await NestFactory.create(module, adapter, { rawBody: true, logger: false });
    await app.listen(0, "127.0.0.1");
    return { url: (await app.getUrl()).replace("[::1]", "127.0.0.1"), close: () => app.close() };
  };
  return {
    name: `nestjs-${platform}`,
    frameworkParsesFirst: true,
    startAdyen: (options) => create(nestAdyenModule(options)),
    startPomelo: (options) => create(nestPomeloModule(options)),
    startClearTx: (options) => create(nestClearTxModule(options)),
    startStandard: (options) => create(nestStandardModule(options)),
  };
}

export const providerAdapters: ProviderFixture[] = selectTargets([
  {
    name: "express",
    frameworkParsesFirst: false,
    startAdyen: (options) => listenExpress(adyenAuthenticationWebhooks(options)),
    startPomelo: (options) => listenExpress(pomeloWebhooks(options)),
    startClearTx: (options) => listenExpress(clearTxWebhooks(options)),
    startStandard: (options) => listenExpress(standardWebhooks(options)),
  },
  {
    name: "fastify",
    frameworkParsesFirst: false,
    startAdyen: (options) => listenFastify(adyenAuthenticationWebhooks(options)),
    startPomelo: (options) => listenFastify(pomeloWebhooks(options)),
    startClearTx: (options) => listenFastify(clearTxWebhooks(options)),
    startStandard: (options) => listenFastify(standardWebhooks(options)),
  },
  {
    name: "koa",
    frameworkParsesFirst: false,
    startAdyen: (options) => listenKoa(adyenAuthenticationWebhooks(options)),
    startPomelo: (options) => listenKoa(pomeloWebhooks(options)),
    startClearTx: (options) => listenKoa(clearTxWebhooks(options)),
    startStandard: (options) => listenKoa(standardWebhooks(options)),
  },
  nestFixture("express"),
  nestFixture("fastify"),
  ...webProviderFixtures,
]);
