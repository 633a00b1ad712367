import { Inject, Injectable, Logger, type OnModuleInit } from "@nestjs/common";
import { DiscoveryService, MetadataScanner, Reflector } from "@nestjs/core";
import {
  createSiglumeWebhookHandler,
  nodeRequestBody,
  type SiglumeWebhookHandler,
  type WebhookResponse,
} from "@siglume-middleware/core";
import type { IncomingMessage } from "node:http";
import { SIGLUME_HANDLER_METADATA, SIGLUME_MODULE_OPTIONS } from "./constants.js";
import type { SiglumeHandlerMetadata } from "./decorators.js";
import { composeHandlers, type DiscoveredHandler } from "./handlers.js";
import type { SiglumeModuleOptions } from "./module-definition.js";

/** The request shape shared by platform-express and platform-fastify. */
interface NestRequest {
  method: string;
  headers: IncomingMessage["headers"];
  body?: unknown;
  rawBody?: Buffer;
  /** Fastify's underlying Node request. */
  raw?: IncomingMessage;
}

const RAW_BODY_HINT =
  "NestJS parsed the JSON body without keeping its raw bytes, so the signature cannot be checked. Create the app " +
  "with NestFactory.create(AppModule, { rawBody: true }) (platform-express or platform-fastify).";

@Injectable()
export class SiglumeWebhookService implements OnModuleInit {
  private readonly logger = new Logger("SiglumeModule");
  private handler!: SiglumeWebhookHandler<unknown>;
  private warnedRawBody = false;

  constructor(
    @Inject(SIGLUME_MODULE_OPTIONS) private readonly options: SiglumeModuleOptions,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const handlers = composeHandlers(this.discoverHandlers(), this.options.allowMeteredPayments ?? false);
    this.handler = createSiglumeWebhookHandler({
      onError: (error, { event }) =>
        this.logger.error(`event ${event?.id ?? "(unparsed)"} failed`, error instanceof Error ? error.stack : error),
      ...this.options,
      ...handlers,
    });
  }

  /** Every method, on providers and controllers, carrying one of the Siglume decorators. */
  private discoverHandlers(): DiscoveredHandler[] {
    const found: DiscoveredHandler[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== "object") continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[methodName];
        if (typeof method !== "function") continue;
        const metadata = this.reflector.get<SiglumeHandlerMetadata | undefined>(SIGLUME_HANDLER_METADATA, method);
        if (!metadata) continue;
        const name = `${instance.constructor.name}.${methodName}`;
        if (!wrapper.isDependencyTreeStatic()) {
          throw new Error(`SiglumeModule: ${name} is on a request-scoped provider; Siglume handlers must be singletons.`);
        }
        found.push({ metadata, name, call: (payload, ctx) => method.call(instance, payload, ctx) });
      }
    }
    return found;
  }

  get path(): string {
    return this.handler.options.path;
  }

  handle(req: NestRequest): Promise<WebhookResponse> {
    return this.handler.handle({
      method: req.method,
      header: (name) => req.headers[name],
      readBody: (limit, timeoutMs) => this.readBody(req, limit, timeoutMs),
      request: req,
      rawBodyHint: RAW_BODY_HINT,
    });
  }

  /** rawBody from Nest's parser; else, when no parser ran (bodyParser: false), the stream itself. */
  private async readBody(req: NestRequest, limit: number, timeoutMs: number): Promise<unknown> {
    const body = await nodeRequestBody(req.raw ?? (req as unknown as IncomingMessage), limit, req.rawBody, timeoutMs);
    if (body === undefined && !this.warnedRawBody) {
      this.warnedRawBody = true;
      this.logger.error(RAW_BODY_HINT);
    }
    return body;
  }
}
