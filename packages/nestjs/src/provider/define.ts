import {
  All,
  ConfigurableModuleBuilder,
  Controller,
  Inject,
  Injectable,
  Logger,
  Req,
  Res,
  type ConfigurableModuleHost,
  type DynamicModule,
  type OnModuleInit,
  type Type,
} from "@nestjs/common";
import { DiscoveryModule, DiscoveryService, HttpAdapterHost, MetadataScanner, Reflector } from "@nestjs/core";
import {
  createWebhookHandler,
  type WebhookHandler,
  type WebhookProvider,
  type WebhookRoute,
} from "@siglume-middleware/core";
import { nodeRequestBody, writeNodeResponse } from "@siglume-middleware/core/node";
import type { IncomingMessage, ServerResponse } from "node:http";
import { discoverHandlers, type DiscoveredHandler, type WebhookHandlerMetadata } from "./discovery.js";
import { nestWebhookLogger } from "./logger.js";

/** The request shape shared by platform-express and platform-fastify. */
export interface NestRequest {
  /** The HTTP method. */
  method: string;
  /** The request headers (Node's, lower-case names). */
  headers: IncomingMessage["headers"];
  /** The body Nest's parser made, if one ran. */
  body?: unknown;
  /**
   * The exact bytes received, kept by `NestFactory.create(AppModule, { rawBody: true })`: what the signature is
   * checked on.
   */
  rawBody?: Buffer;
  /** Fastify's underlying Node request. */
  raw?: IncomingMessage;
  /** The URL as it arrived (Express platform), or as routed (Fastify platform: `url`). */
  originalUrl?: string;
  /** The URL as routed (Fastify platform). */
  url?: string;
}

const RAW_BODY_HINT =
  "NestJS parsed the JSON body without keeping its raw bytes, so the signature cannot be checked. Create the app " +
  "with NestFactory.create(AppModule, { rawBody: true }) (platform-express or platform-fastify).";

/** How one provider becomes a NestJS module. */
export interface WebhookModuleSpec<TOptions extends object, TExtras extends object> {
  /** "SiglumeModule", for messages. */
  moduleName: string;
  /** The key its handler decorators write (see webhookHandlerDecorator). */
  metadataKey: string;
  /** Extras are known when the module is defined (its routes, its instance name); options may come later. */
  extras: TExtras;
  /** The routes to mount, from the extras. */
  routes(extras: TExtras): WebhookRoute[];
  /**
   * Builds the provider from the options, the extras and the decorated methods found for this instance;
   * throws (a configuration error naming what to add) when a required handler is missing.
   */
  build(options: TOptions, extras: TExtras, handlers: DiscoveredHandler[], logger: Logger): WebhookProvider<NestRequest>;
}

/** What a module's service does: inject it to see the routes it serves. */
export interface WebhookModuleService {
  /** The routes this module instance serves (path and name). */
  readonly routes: readonly WebhookRoute[];
  /**
   * Answers one request to the named route (what the module's controller calls): reads the body, runs the provider
   * through the engine, writes the answer.
   */
  receive(routeName: string, req: NestRequest, res: unknown): Promise<void>;
}

/**
 * What `defineWebhookModule` returns: Nest's `ConfigurableModuleClass` (with `forRoot` and `forRootAsync`) and the
 * option types, plus the options' injection token and the module's service class.
 */
export type WebhookModuleDefinition<TOptions extends object, TExtras> = ConfigurableModuleHost<TOptions, "forRoot", "create", TExtras> & {
  /** The options' injection token. */
  OPTIONS_TOKEN: string;
  /** The service class (one instance per forRoot()). */
  Service: Type<WebhookModuleService>;
};

/**
 * A NestJS module for a provider, like @golevelup/nestjs-stripe: `forRoot`
 * and `forRootAsync` (ConfigurableModuleBuilder), handlers found with
 * DiscoveryService from method decorators, start-up refused when a required
 * handler is missing. Each forRoot() makes its own controller, so the routes
 * come from the extras and one provider can be mounted twice under two names.
 */
export function defineWebhookModule<TOptions extends object, TExtras extends object>(
  spec: WebhookModuleSpec<TOptions, TExtras>,
): WebhookModuleDefinition<TOptions, TExtras> {
  const OPTIONS = `${spec.moduleName}:options`;
  const EXTRAS = `${spec.moduleName}:extras`;

  @Injectable()
  class ModuleService implements OnModuleInit, WebhookModuleService {
    private readonly logger = new Logger(spec.moduleName);
    private handler!: WebhookHandler<NestRequest>;
    private routeByName!: ReadonlyMap<string, WebhookRoute>;
    /** On the Express platform `res` is Node's response, written directly (Express's `send` adds nothing we need). */
    private nodeResponse!: boolean;

    constructor(
      @Inject(OPTIONS) private readonly options: TOptions,
      @Inject(EXTRAS) private readonly extras: TExtras,
      @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
      @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
      @Inject(Reflector) private readonly reflector: Reflector,
      @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    ) {}

    onModuleInit(): void {
      const services = { discovery: this.discovery, scanner: this.scanner, reflector: this.reflector };
      const found = discoverHandlers<WebhookHandlerMetadata>(services, spec.metadataKey, (this.extras as { name?: string }).name, spec.moduleName);
      // The engine logs through Nest's Logger unless the options name another logger.
      const given = (this.options as { logger?: unknown }).logger;
      const options = given === undefined ? { ...this.options, logger: nestWebhookLogger(this.logger) } : this.options;
      this.handler = createWebhookHandler(spec.build(options, this.extras, found, this.logger));
      this.routeByName = new Map(this.handler.routes.map((route) => [route.name, route]));
      this.nodeResponse = this.adapterHost.httpAdapter?.getType() === "express";
    }

    get routes(): readonly WebhookRoute[] {
      return this.handler.routes;
    }

    async receive(routeName: string, req: NestRequest, res: unknown): Promise<void> {
      const route = this.routeByName.get(routeName);
      const response = await this.handler.handle({
        method: req.method,
        header: (name) => req.headers[name],
        readBody: (limit, timeoutMs) => this.readBody(req, limit, timeoutMs),
        request: req,
        route,
        path: req.originalUrl ?? req.url,
        rawBodyHint: RAW_BODY_HINT,
      });
      if (this.nodeResponse) {
        // Unless something else (a timeout interceptor or middleware) answered first.
        writeNodeResponse(res as ServerResponse, response);
        return;
      }
      const adapter = this.adapterHost.httpAdapter;
      // Something else (a timeout interceptor or middleware) answered first: leave its answer alone.
      if (adapter.isHeadersSent(res)) return;
      for (const name in response.headers) adapter.setHeader(res, name, response.headers[name]!);
      adapter.reply(res, response.body, response.status);
    }

    /**
     * rawBody from Nest's parser; else, when no parser ran (bodyParser: false), the stream itself. Without
     * either the core answers RAW_BODY_UNAVAILABLE with the hint, logs it once and reports it to onError.
     */
    private readBody(req: NestRequest, limit: number, timeoutMs: number): unknown {
      return nodeRequestBody(req.raw ?? (req as unknown as IncomingMessage), limit, req.rawBody, timeoutMs);
    }
  }

  /** A controller class per forRoot(): one method per route, decorated programmatically. */
  function createController(extras: TExtras): Type<unknown> {
    @Controller()
    class WebhookController {
      constructor(@Inject(ModuleService) readonly service: ModuleService) {}
    }
    for (const route of spec.routes(extras)) {
      const method = `receive_${route.name.replace(/\W/g, "_")}`;
      Object.defineProperty(WebhookController.prototype, method, {
        value(this: WebhookController, req: NestRequest, res: unknown) {
          return this.service.receive(route.name, req, res);
        },
        writable: true,
        configurable: true,
      });
      const descriptor = Object.getOwnPropertyDescriptor(WebhookController.prototype, method)!;
      Req()(WebhookController.prototype, method, 0);
      Res()(WebhookController.prototype, method, 1);
      All(route.path)(WebhookController.prototype, method, descriptor);
    }
    Object.defineProperty(WebhookController, "name", { value: `${spec.moduleName.replace(/Module$/, "")}Controller` });
    return WebhookController;
  }

  const built = new ConfigurableModuleBuilder<TOptions>({ optionsInjectionToken: OPTIONS })
    .setClassMethodName("forRoot")
    .setExtras<TExtras>(spec.extras, (definition: DynamicModule, merged: TExtras) => {
      // Nest hands over the extras merged with every option: keep the extras only.
      const extras = Object.fromEntries(Object.keys(spec.extras).map((key) => [key, merged[key as keyof TExtras]])) as unknown as TExtras;
      return {
      ...definition,
      imports: [...(definition.imports ?? []), DiscoveryModule],
      providers: [...(definition.providers ?? []), { provide: EXTRAS, useValue: extras }, ModuleService],
      controllers: [...(definition.controllers ?? []), createController(extras)],
      exports: [...(definition.exports ?? []), ModuleService],
      };
    })
    .build();

  return { ...built, OPTIONS_TOKEN: OPTIONS, Service: ModuleService };
}
