// `@siglume-middleware/nestjs/pomelo`: Pomelo's token and OTP webhooks as a NestJS module.
import { Module } from "@nestjs/common";
import { DEFAULT_POMELO_PATHS, pomeloWebhooks, resolvePomeloPaths, type PomeloHandlers, type PomeloOptions } from "@siglume-middleware/pomelo";
import { SiglumeConfigurationError } from "@siglume-middleware/core";
import { handlerMetadata, type HandlerDecoratorOptions } from "../provider/decorator.js";
import { defineWebhookModule, type NestRequest } from "../provider/define.js";
import { required, type DiscoveredHandler } from "../provider/discovery.js";

/**
 * The metadata key the Pomelo handler decorators write on a method; `PomeloWebhooksModule` finds the methods by it.
 */
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

/**
 * What `PomeloWebhooksModule.forRoot()` takes besides the provider's options, known when the module is defined: the
 * two routes and the instance name.
 */
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
  /**
   * For typing only (its value throws when read): `typeof POMELO_OPTIONS_TYPE` is what
   * `PomeloWebhooksModule.forRoot()` accepts, the options with the extras. Use it to type a function that builds
   * them.
   */
  OPTIONS_TYPE: POMELO_OPTIONS_TYPE,
  /**
   * For typing only (its value throws when read): `typeof POMELO_ASYNC_OPTIONS_TYPE` is what
   * `PomeloWebhooksModule.forRootAsync()` accepts (`useFactory`, `inject`, `imports` and the extras).
   */
  ASYNC_OPTIONS_TYPE: POMELO_ASYNC_OPTIONS_TYPE,
  /**
   * The injection token of the options given to `PomeloWebhooksModule.forRoot()` / `forRootAsync()`:
   * `@Inject(POMELO_MODULE_OPTIONS)` to read them.
   */
  OPTIONS_TOKEN: POMELO_MODULE_OPTIONS,
  /**
   * The service each `PomeloWebhooksModule.forRoot()` provides: inject it to see the routes it serves (`routes`). It
   * receives the Pomelo requests from the module's controller.
   */
  Service: PomeloWebhookService,
} = definition;

/**
 * `PomeloWebhooksModule.forRoot({ apiKeys, paths?, publicPaths?, name? })` or `forRootAsync({ useFactory, inject })`,
 * with @OnPomeloTokenEvent(), @OnPomeloOtp() and @OnPomeloReview() methods on providers or controllers.
 */
@Module({})
export class PomeloWebhooksModule extends definition.ConfigurableModuleClass {}

export * from "@siglume-middleware/pomelo";
