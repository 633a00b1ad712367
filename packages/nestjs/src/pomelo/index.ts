// `@siglume-middleware/nestjs/pomelo`: Pomelo's token and OTP webhooks as a NestJS module.
import { Module } from "@nestjs/common";
import { DEFAULT_POMELO_PATHS, pomeloWebhooks, resolvePomeloPaths, type PomeloHandlers, type PomeloOptions } from "@siglume-middleware/pomelo";
import { SiglumeConfigurationError } from "@siglume-middleware/core";
import { handlerMetadata, type HandlerDecoratorOptions } from "../provider/decorator.js";
import { defineWebhookModule, type NestRequest } from "../provider/define.js";
import { required, type DiscoveredHandler } from "../provider/discovery.js";

export const POMELO_HANDLER_METADATA = "siglume-middleware:pomelo-handler";

type PomeloRole = "token" | "otp" | "review";

/** A token lifecycle update: `(event, ctx)`. At least one per module instance. */
export const OnPomeloTokenEvent = (options: HandlerDecoratorOptions = {}): MethodDecorator =>
  handlerMetadata(POMELO_HANDLER_METADATA, { role: "token" satisfies PomeloRole, name: options.name });

/** A tokenization OTP to deliver: `(otp, ctx)`. At least one per module instance. */
export const OnPomeloOtp = (options: HandlerDecoratorOptions = {}): MethodDecorator =>
  handlerMetadata(POMELO_HANDLER_METADATA, { role: "otp" satisfies PomeloRole, name: options.name });

/** A verified token webhook that cannot be read: `(review, ctx)`. At least one per module instance. */
export const OnPomeloReview = (options: HandlerDecoratorOptions = {}): MethodDecorator =>
  handlerMetadata(POMELO_HANDLER_METADATA, { role: "review" satisfies PomeloRole, name: options.name });

/** Everything but the handlers (decorated methods) and the extras (paths, name). */
export type PomeloWebhooksModuleOptions = Omit<PomeloOptions<NestRequest>, keyof PomeloHandlers | "paths" | "name">;

export interface PomeloWebhooksModuleExtras {
  /** Defaults: /webhooks/pomelo/tokens and /webhooks/pomelo/otp (before any global prefix); give one or both. */
  paths: { tokens?: string | undefined; otp?: string | undefined };
  /** Name this instance when the app serves two Pomelo accounts; its decorators take the same `{ name }`. */
  name?: string | undefined;
}

const DECORATOR: Record<PomeloRole, string> = { token: "@OnPomeloTokenEvent()", otp: "@OnPomeloOtp()", review: "@OnPomeloReview()" };

function composePomeloHandlers(found: DiscoveredHandler[], name: string | undefined): PomeloHandlers<NestRequest> {
  const fail = (message: string): never => {
    throw new SiglumeConfigurationError(`PomeloWebhooksModule: ${message}`);
  };
  const one = (role: PomeloRole) =>
    required(
      found,
      role,
      fail,
      `no ${DECORATOR[role]} method found${name === undefined ? "" : ` for name "${name}"`}. One is required: without ` +
        "it such webhooks would be acknowledged with no record.",
    );
  return { onTokenEvent: one("token"), onOtp: one("otp"), onReview: one("review") };
}

const definition = defineWebhookModule<PomeloWebhooksModuleOptions, PomeloWebhooksModuleExtras>({
  moduleName: "PomeloWebhooksModule",
  metadataKey: POMELO_HANDLER_METADATA,
  extras: { paths: { ...DEFAULT_POMELO_PATHS }, name: undefined },
  routes: ({ paths }) => {
    const { tokens, otp } = resolvePomeloPaths(paths);
    return [
      { path: tokens, name: "tokens" },
      { path: otp, name: "otp" },
    ];
  },
  build(options, { paths, name }, found, logger) {
    return pomeloWebhooks<NestRequest>({
      // The error only: Pomelo payloads can hold OTP codes, and onError's event is not logged here.
      onError: (error) => logger.error("Pomelo webhook failed", error instanceof Error ? error.stack : error),
      ...options,
      ...composePomeloHandlers(found, name),
      paths,
      name,
    });
  },
});

export const {
  OPTIONS_TYPE: POMELO_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: POMELO_ASYNC_OPTIONS_TYPE,
  OPTIONS_TOKEN: POMELO_MODULE_OPTIONS,
  Service: PomeloWebhookService,
} = definition;

/**
 * `PomeloWebhooksModule.forRoot({ apiKeys, paths?, publicPaths?, name? })` or `forRootAsync({ useFactory, inject })`,
 * with @OnPomeloTokenEvent(), @OnPomeloOtp() and @OnPomeloReview() methods on providers or controllers.
 */
@Module({})
export class PomeloWebhooksModule extends definition.ConfigurableModuleClass {}

export * from "@siglume-middleware/pomelo";
