// `@siglume-middleware/nestjs/adyen`: Adyen's authentication webhooks as a NestJS module.
import { Module } from "@nestjs/common";
import {
  adyenAuthenticationWebhooks,
  DEFAULT_ADYEN_PATH,
  type AdyenAuthenticationHandlers,
  type AdyenAuthenticationOptions,
} from "@siglume-middleware/adyen";
import { SiglumeConfigurationError } from "@siglume-middleware/core";
import { handlerMetadata, type HandlerDecoratorOptions } from "../provider/decorator.js";
import { defineWebhookModule, type NestRequest } from "../provider/define.js";
import { required, sequence, withRole, type DiscoveredHandler } from "../provider/discovery.js";

/** The metadata key the Adyen handler decorators write on a method; `AdyenWebhooksModule` finds the methods by it. */
export const ADYEN_HANDLER_METADATA = "siglume-middleware:adyen-handler";

type AdyenRole = "relayed" | "result" | "event";

/** Decides a relayed authentication: `(request, ctx) => "proceed" | "refused"`. Exactly one per module instance. */
export const OnAdyenRelayedAuthentication = (options: HandlerDecoratorOptions = {}): MethodDecorator =>
  handlerMetadata(ADYEN_HANDLER_METADATA, { role: "relayed" satisfies AdyenRole, name: options.name });

/** Handles `balancePlatform.authentication.created`: `(notification, ctx)`. At least one per module instance. */
export const OnAdyenAuthenticationResult = (options: HandlerDecoratorOptions = {}): MethodDecorator =>
  handlerMetadata(ADYEN_HANDLER_METADATA, { role: "result" satisfies AdyenRole, name: options.name });

/** Any other webhook type at the endpoint: `(webhook, ctx)`. Without one they are acknowledged and logged. */
export const OnAdyenEvent = (options: HandlerDecoratorOptions = {}): MethodDecorator =>
  handlerMetadata(ADYEN_HANDLER_METADATA, { role: "event" satisfies AdyenRole, name: options.name });

/** Everything but the handlers (decorated methods) and the extras (path, name). */
export type AdyenWebhooksModuleOptions = Omit<
  AdyenAuthenticationOptions<NestRequest>,
  keyof AdyenAuthenticationHandlers | "path" | "name"
>;

/**
 * What `AdyenWebhooksModule.forRoot()` takes besides the provider's options, known when the module is defined: the
 * route and the instance name.
 */
export interface AdyenWebhooksModuleExtras {
  /** Default "/webhooks/adyen/authentication" (before any global prefix). */
  path: string;
  /** Name this instance when the app serves two Adyen platforms; its decorators take the same `{ name }`. */
  name?: string | undefined;
}

function composeAdyenHandlers(found: DiscoveredHandler[], name: string | undefined): AdyenAuthenticationHandlers<NestRequest> {
  const instance = name === undefined ? "" : ` for name "${name}"`;
  const fail = (message: string): never => {
    throw new SiglumeConfigurationError(`AdyenWebhooksModule: ${message}`);
  };
  const relayed = withRole(found, "relayed" satisfies AdyenRole);
  if (relayed.length !== 1) {
    fail(
      relayed.length === 0
        ? `no @OnAdyenRelayedAuthentication(${name === undefined ? "" : `{ name: "${name}" }`}) method found${instance}. ` +
            'One method decides relayed authentications (return "proceed" or "refused").'
        : `${relayed.map((h) => h.name).join(" and ")} both decide relayed authentications${instance}: one decision per ` +
            "request, so keep exactly one @OnAdyenRelayedAuthentication() method.",
    );
  }
  const decide = relayed[0]!;
  return {
    onRelayedAuthentication: (request, ctx) => decide.call(request, ctx) as "proceed" | "refused",
    onAuthenticationResult: required(
      found,
      "result" satisfies AdyenRole,
      fail,
      `no @OnAdyenAuthenticationResult() method found${instance}. One is required: without it Adyen's authentication ` +
        "outcomes would be acknowledged with no record.",
    ),
    onEvent: sequence(withRole(found, "event" satisfies AdyenRole)),
  };
}

const definition = defineWebhookModule<AdyenWebhooksModuleOptions, AdyenWebhooksModuleExtras>({
  moduleName: "AdyenWebhooksModule",
  metadataKey: ADYEN_HANDLER_METADATA,
  extras: { path: DEFAULT_ADYEN_PATH, name: undefined },
  routes: ({ path }) => [{ path, name: "authentication" }],
  build(options, { path, name }, found, logger) {
    return adyenAuthenticationWebhooks<NestRequest>({
      onError: (error) => logger.error("Adyen webhook failed", error instanceof Error ? error.stack : error),
      ...options,
      ...composeAdyenHandlers(found, name),
      path,
      name,
    });
  },
});

export const {
  /**
   * For typing only (its value throws when read): `typeof ADYEN_OPTIONS_TYPE` is what `AdyenWebhooksModule.forRoot()`
   * accepts, the options with the extras. Use it to type a function that builds them.
   */
  OPTIONS_TYPE: ADYEN_OPTIONS_TYPE,
  /**
   * For typing only (its value throws when read): `typeof ADYEN_ASYNC_OPTIONS_TYPE` is what
   * `AdyenWebhooksModule.forRootAsync()` accepts (`useFactory`, `inject`, `imports` and the extras).
   */
  ASYNC_OPTIONS_TYPE: ADYEN_ASYNC_OPTIONS_TYPE,
  /**
   * The injection token of the options given to `AdyenWebhooksModule.forRoot()` / `forRootAsync()`:
   * `@Inject(ADYEN_MODULE_OPTIONS)` to read them.
   */
  OPTIONS_TOKEN: ADYEN_MODULE_OPTIONS,
  /**
   * The service each `AdyenWebhooksModule.forRoot()` provides: inject it to see the routes it serves (`routes`). It
   * receives the Adyen requests from the module's controller.
   */
  Service: AdyenWebhookService,
} = definition;

/**
 * `AdyenWebhooksModule.forRoot({ hmacKey, basicAuth, path?, name? })` or `forRootAsync({ useFactory, inject })`,
 * with @OnAdyenRelayedAuthentication() and @OnAdyenAuthenticationResult() methods on providers or controllers.
 */
@Module({})
export class AdyenWebhooksModule extends definition.ConfigurableModuleClass {}

export * from "@siglume-middleware/adyen";
